/**
 * A guest's NICs as pxr works with them: read from the raw spec (`network`, the single-NIC
 * shorthand for `net0`, or `networks`), defaults applied. Index i is Proxmox's `net{i}`.
 */
import { asRecord, recordOrUndefined } from '../../core/records.js';
import { NIC_DEFAULTS } from './schema.js';

export interface GuestNic {
  /** The bridge named by the spec; for an appliance NIC the appliance's LAN bridge once known. */
  bridge?: string;
  appliance?: string;
  /** `dhcp`, `none` or a CIDR. */
  ip: string;
  /** The address an appliance reserves for this NIC (its static `ip`, no prefix). */
  reservedIp?: string;
  gateway?: string;
  firewall: boolean;
  vlan?: number;
  mtu?: number;
  rate?: number;
}

/** How a NIC item of the spec is typed once the schema passed (shared by every guest kind). */
export interface NicSpec {
  bridge?: string;
  appliance?: string;
  ip?: string;
  gateway?: string;
  firewall?: boolean;
  vlan?: number;
  mtu?: number;
  rate?: number;
}

/** The NIC items of a raw spec (no checks): `networks`, else `[network]`, else none. */
export function rawNics(spec: Record<string, unknown>): Record<string, unknown>[] {
  const list = spec['networks'];
  if (Array.isArray(list)) return list.map((n) => asRecord(n));
  const one = recordOrUndefined(spec['network']);
  return one ? [one] : [];
}

/** The spec path of NIC `i` (`network` when the spec uses the shorthand). */
export function nicPath(spec: Record<string, unknown>, i: number): string {
  return Array.isArray(spec['networks']) ? `networks[${i}]` : 'network';
}

/** Defaults applied. */
export function resolveNic(n: NicSpec): GuestNic {
  const out: GuestNic = {
    ip: n.ip ?? NIC_DEFAULTS.ip,
    firewall: n.firewall ?? NIC_DEFAULTS.firewall,
  };
  if (n.bridge !== undefined) out.bridge = n.bridge;
  if (n.appliance !== undefined) out.appliance = n.appliance;
  if (n.gateway !== undefined) out.gateway = n.gateway;
  if (n.vlan !== undefined) out.vlan = n.vlan;
  if (n.mtu !== undefined) out.mtu = n.mtu;
  if (n.rate !== undefined) out.rate = n.rate;
  return out;
}

/** The NIC joining an appliance's LAN, with its index (at most one, see validate). */
export function applianceNic(
  nics: readonly GuestNic[],
): { nic: GuestNic; index: number; name: string } | undefined {
  const index = nics.findIndex((n) => n.appliance !== undefined);
  const nic = nics[index];
  return nic?.appliance !== undefined ? { nic, index, name: nic.appliance } : undefined;
}

/** The appliance a raw spec's NICs join, with the NIC's index. */
export function rawApplianceNic(
  spec: Record<string, unknown>,
): { name: string; index: number } | undefined {
  const nics = rawNics(spec);
  const index = nics.findIndex((n) => typeof n['appliance'] === 'string');
  const name = nics[index]?.['appliance'];
  return typeof name === 'string' ? { name, index } : undefined;
}

/** `net3` -> 3; undefined for any other key. */
export function nicIndex(key: string): number | undefined {
  const m = /^net(\d+)$/.exec(key);
  return m?.[1] === undefined ? undefined : Number(m[1]);
}

/** Proxmox's common NIC properties (the kind adds its own: `name`/`ip`/`gw` or the model). */
export function nicProps(nic: GuestNic): Record<string, string> {
  const p: Record<string, string> = {};
  if (nic.bridge !== undefined) p['bridge'] = nic.bridge;
  if (nic.firewall) p['firewall'] = '1';
  if (nic.vlan !== undefined) p['tag'] = String(nic.vlan);
  if (nic.mtu !== undefined) p['mtu'] = String(nic.mtu);
  if (nic.rate !== undefined) p['rate'] = String(nic.rate);
  return p;
}
