/**
 * The bridge that carries a node's API address or default gateway is what keeps pxr (and everyone
 * else) connected to the node: removing it, re-porting it or readdressing it cuts the branch we sit
 * on. Such changes need `allowApiBridge: true`; otherwise they are refused with a TerminalError.
 */
import { TerminalError } from '../../core/errors.js';
import type { NetworkIface } from '../../pve/types.js';
import type { BridgeChange, BridgeField } from './diff.js';
import { canonicalCidr } from './normalize.js';

/** Fields whose change can sever connectivity through the bridge. */
const DANGEROUS: readonly BridgeField[] = [
  'bridge_ports',
  'cidr',
  'gateway',
  'vlan_raw_device',
  'vlan_id',
];

/** Whether `item` holds the default gateway or one of the node's API addresses. */
export function isApiBridge(item: NetworkIface, apiAddresses: ReadonlySet<string>): boolean {
  if (item.gateway) return true;
  const ip = canonicalCidr(item.cidr, item.address, item.netmask).split('/')[0];
  return ip !== undefined && ip !== '' && apiAddresses.has(ip);
}

/** Whether `change` could cut connectivity if `item` is the API bridge (checked lazily by callers). */
export function isRisky(change: BridgeChange): boolean {
  return change.op === 'delete' || change.fields.some((f) => DANGEROUS.includes(f.field));
}

/** The refusal for a risky change of the API bridge. */
export function apiBridgeRefusal(node: string, change: BridgeChange): TerminalError {
  const what =
    change.op === 'delete'
      ? 'remove'
      : `change ${change.fields
          .filter((f) => DANGEROUS.includes(f.field))
          .map((f) => f.field)
          .join(', ')} of`;
  return new TerminalError(
    'ApiBridgeProtected',
    `refusing to ${what} ${change.iface} on ${node}: it carries the node's API address or default gateway; set spec.allowApiBridge: true if this is really intended`,
    { context: { node, iface: change.iface, op: change.op } },
  );
}

/** Node addresses from `GET /cluster/status` entries (`{ type: 'node', name, ip }`). */
export function nodeAddresses(
  status: readonly Record<string, unknown>[],
  node: string,
): Set<string> {
  const out = new Set<string>();
  for (const e of status) {
    if (e.type === 'node' && e.name === node && typeof e.ip === 'string') out.add(e.ip);
  }
  return out;
}
