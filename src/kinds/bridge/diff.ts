/**
 * Desired vs observed bridge -> typed changes. Pure. Update params carry the whole desired state, as
 * the Proxmox GUI sends it: `update_network` derives `method`/`families` from the request alone, so a
 * PUT without `cidr` would silently turn a static bridge into `inet manual`.
 */
import type { NetworkParams } from '../../pve/types.js';
import { dottedVlan, type BridgeState } from './normalize.js';

export type BridgeField = Exclude<keyof BridgeState, 'iface' | 'type'>;

export interface FieldChange {
  field: BridgeField;
  desired: unknown;
  actual: unknown;
}

export interface BridgeChange {
  op: 'create' | 'update' | 'delete';
  iface: string;
  fields: FieldChange[];
  /** API params of the POST/PUT (empty for delete). */
  params: NetworkParams;
}

const BRIDGE_ONLY: readonly BridgeField[] = ['bridge_ports', 'bridge_vlan_aware', 'bridge_vids'];
const VLAN_ONLY: readonly BridgeField[] = ['vlan_raw_device', 'vlan_id'];

const FIELDS: readonly BridgeField[] = [
  'vlan_raw_device',
  'vlan_id',
  'bridge_ports',
  'cidr',
  'gateway',
  'bridge_vlan_aware',
  'bridge_vids',
  'mtu',
  'autostart',
  'comments',
];

/** Fields whose "unset" is expressed with `delete=` rather than an empty value. */
function isUnset(field: BridgeField, v: unknown): boolean {
  if (field === 'vlan_raw_device' || field === 'vlan_id') return false;
  if (field === 'bridge_vlan_aware') return v === 0;
  return v === '' || v === null;
}

/** The POST/PUT parameters that produce `d`. Unset fields are left out. */
export function desiredParams(d: BridgeState): NetworkParams {
  const p: NetworkParams = { type: d.type, autostart: d.autostart };
  // A dotted name (`vmbr0.20`) says both itself; Proxmox derives them from it.
  if (d.type === 'vlan' && !dottedVlan(d.iface)) {
    p['vlan-raw-device'] = d.vlan_raw_device;
    p['vlan-id'] = Number(d.vlan_id);
  }
  if (d.bridge_ports) p.bridge_ports = d.bridge_ports;
  if (d.cidr) p.cidr = d.cidr;
  if (d.gateway) p.gateway = d.gateway;
  if (d.bridge_vlan_aware) {
    p.bridge_vlan_aware = 1;
    p.bridge_vids = d.bridge_vids;
  }
  if (d.mtu !== null) p.mtu = d.mtu;
  if (d.comments) p.comments = d.comments;
  return p;
}

/** Fields that differ; `bridge_vids` only matters on a VLAN-aware bridge. */
export function diffFields(desired: BridgeState, actual: BridgeState): FieldChange[] {
  const out: FieldChange[] = [];
  for (const f of FIELDS) {
    if ((desired.type === 'vlan' ? BRIDGE_ONLY : VLAN_ONLY).includes(f)) continue;
    if (f === 'bridge_vids' && !desired.bridge_vlan_aware) continue;
    if (desired[f] !== actual[f]) out.push({ field: f, desired: desired[f], actual: actual[f] });
  }
  return out;
}

/** The change that brings `actual` (undefined = absent) to `desired` (undefined = remove). */
export function diffBridge(
  desired: BridgeState | undefined,
  actual: BridgeState | undefined,
): BridgeChange | undefined {
  if (!desired && !actual) return undefined;
  if (!desired)
    return { op: 'delete', iface: actual!.iface, fields: [], params: { type: actual!.type } };
  if (!actual) {
    const empty: BridgeState = {
      iface: desired.iface,
      type: desired.type,
      vlan_raw_device: '',
      vlan_id: '',
      bridge_ports: '',
      cidr: '',
      gateway: '',
      bridge_vlan_aware: 0,
      bridge_vids: '',
      mtu: null,
      autostart: 0,
      comments: '',
    };
    return {
      op: 'create',
      iface: desired.iface,
      fields: diffFields(desired, empty),
      params: desiredParams(desired),
    };
  }
  const fields = diffFields(desired, actual);
  if (fields.length === 0) return undefined;
  const params = desiredParams(desired);
  const del = fields.filter((c) => isUnset(c.field, c.desired)).map((c) => c.field);
  // Turning VLAN awareness off leaves a stale vids list behind unless it is removed too.
  if (del.includes('bridge_vlan_aware') && actual.bridge_vids) del.push('bridge_vids');
  if (del.length > 0) params.delete = del.join(',');
  return { op: 'update', iface: desired.iface, fields, params };
}

/** `bridge_ports: 'eno1' -> 'eno1 eno2'` lines for logs, events and `pxr diff`. */
export function describeChange(c: BridgeChange): string {
  if (c.op === 'delete') return `delete ${c.iface}`;
  if (c.op === 'create') {
    const f = c.fields.map((x) => `${x.field}: ${fmt(x.desired)}`).join(', ');
    return `create ${c.iface}${f ? ` (${f})` : ''}`;
  }
  const f = c.fields.map((x) => `${x.field}: ${fmt(x.actual)} -> ${fmt(x.desired)}`).join(', ');
  return `${c.op} ${c.iface}${f ? ` (${f})` : ''}`;
}

function fmt(v: unknown): string {
  return v === '' || v === null || v === undefined ? '(unset)' : JSON.stringify(v);
}
