/**
 * One comparable shape for a bridge, whether it comes from a spec or from `GET /nodes/{node}/network`.
 * Proxmox re-prints what it is given (ports as a list, netmask as a prefix length, numbers read back
 * from the file as strings, comments with a `\n` per line, booleans as 0/1 or absent), so both sides
 * are brought to the same canonical form before diffing — otherwise every pass would see "drift".
 */
import type { NetworkIface, PveBool } from '../../pve/types.js';
import type { BridgeSpecInput } from './spec.js';

/** The fields pxr manages, named as the API names them (`vlan_*` for `vlan-*`). */
export interface BridgeState {
  iface: string;
  /** A Linux bridge, or a host VLAN interface (`vmbr0.20`) that tags another interface. */
  type: 'bridge' | 'vlan';
  /** Sorted, space-joined; '' for none. */
  bridge_ports: string;
  /** `a.b.c.d/n` (the host address with its prefix, not the network); '' for none. */
  cidr: string;
  gateway: string;
  bridge_vlan_aware: PveBool;
  /** Space-joined list; '' when the bridge is not VLAN-aware (then it is not compared). */
  bridge_vids: string;
  /** null = unset (kernel default). */
  mtu: number | null;
  autostart: PveBool;
  /** Trimmed; '' for none. */
  comments: string;
  /** VLAN interfaces: the interface tagged and the tag; '' for a bridge. */
  vlan_raw_device: string;
  vlan_id: string;
}

/** `vmbr0.20` → `{ device: 'vmbr0', id: '20' }`: Proxmox derives both from a dotted name. */
export function dottedVlan(iface: string): { device: string; id: string } | undefined {
  const m = /^(\S+)\.(\d+)$/.exec(iface);
  return m ? { device: m[1] ?? '', id: String(Number(m[2])) } : undefined;
}

/** Whether the spec asks for a VLAN interface (a dotted name, or `vlan:`). */
export function isVlanSpec(spec: Pick<BridgeSpecInput, 'iface' | 'vlan'>): boolean {
  return spec.vlan !== undefined || dottedVlan(spec.iface) !== undefined;
}

export const DEFAULT_VIDS = '2-4094';

/** The interface types a Bridge object manages: bridges and host VLAN interfaces. */
export function isManagedType(type: string | undefined): boolean {
  return type === 'bridge' || type === 'vlan';
}

export function normalizePorts(ports: readonly string[] | string | undefined): string {
  const list = typeof ports === 'string' ? ports.split(/[\s,;]+/) : [...(ports ?? [])];
  const uniq = [...new Set(list.map((p) => p.trim()).filter((p) => p !== '' && p !== 'none'))];
  return uniq.sort().join(' ');
}

function dottedToBits(mask: string): number | undefined {
  const parts = mask.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    return undefined;
  }
  const bin = parts.map((p) => p.toString(2).padStart(8, '0')).join('');
  return /^1*0*$/.test(bin) ? (bin.indexOf('0') === -1 ? 32 : bin.indexOf('0')) : undefined;
}

function canonicalIp(ip: string): string {
  const parts = ip.trim().split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p))) return ip.trim();
  return parts.map((p) => String(Number(p))).join('.');
}

/** `010.0.0.1/024` -> `10.0.0.1/24`; address + netmask (bits or dotted) -> `a.b.c.d/n`. */
export function canonicalCidr(cidr?: string, address?: string, netmask?: string): string {
  if (cidr && cidr.trim() !== '') {
    const [ip = '', bits = ''] = cidr.trim().split('/');
    return bits === '' ? canonicalIp(ip) : `${canonicalIp(ip)}/${Number(bits)}`;
  }
  if (!address || address.trim() === '') return '';
  if (!netmask) return canonicalIp(address);
  const bits = /^\d+$/.test(netmask) ? Number(netmask) : dottedToBits(netmask);
  return bits === undefined ? canonicalIp(address) : `${canonicalIp(address)}/${bits}`;
}

/** `'2 4,100-200'` / `[2, 4, '100-200']` -> `'2 4 100-200'` (order kept: Proxmox keeps it). */
export function normalizeVids(vids: string | readonly (string | number)[] | undefined): string {
  const list = typeof vids === 'string' ? vids.split(/[\s,;]+/) : (vids ?? []).map(String);
  return list
    .map((v) => v.trim())
    .filter((v) => v !== '')
    .join(' ');
}

/** Comments come back with a `\n` after every line; trailing blanks are not meaningful. */
export function normalizeComment(c: string | undefined): string {
  return (c ?? '')
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n')
    .trim();
}

function bool(v: unknown): PveBool {
  return v === 1 || v === true || v === '1' ? 1 : 0;
}

function mtu(v: unknown): number | null {
  if (v === undefined || v === null || v === '') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

/** Desired state, with pxr's defaults (autostart on, VLAN-aware off, vids 2-4094 when aware). */
export function normalizeSpec(spec: BridgeSpecInput): BridgeState {
  const vlan = isVlanSpec(spec);
  const aware = vlan ? 0 : bool(spec.vlanAware ?? false);
  const vids = aware ? normalizeVids(spec.vids) || DEFAULT_VIDS : '';
  const dotted = dottedVlan(spec.iface);
  return {
    iface: spec.iface,
    type: vlan ? 'vlan' : 'bridge',
    vlan_raw_device: vlan ? (spec.vlan?.device ?? dotted?.device ?? '') : '',
    vlan_id: vlan ? String(spec.vlan?.id ?? dotted?.id ?? '') : '',
    bridge_ports: vlan ? '' : normalizePorts(spec.ports),
    cidr: canonicalCidr(spec.cidr),
    gateway: spec.gateway ? canonicalIp(spec.gateway) : '',
    bridge_vlan_aware: aware,
    bridge_vids: vids,
    mtu: mtu(spec.mtu),
    autostart: bool(spec.autostart ?? true),
    comments: normalizeComment(spec.comment),
  };
}

/** Observed state of one `/network` item. */
export function normalizeObserved(item: NetworkIface): BridgeState {
  const aware = bool(item.bridge_vlan_aware);
  const vlan = item.type === 'vlan';
  const id = item['vlan-id'];
  return {
    iface: item.iface,
    type: vlan ? 'vlan' : 'bridge',
    vlan_raw_device: vlan ? String(item['vlan-raw-device'] ?? '') : '',
    vlan_id: vlan && id !== undefined && id !== '' ? String(Number(id)) : '',
    bridge_ports: normalizePorts(item.bridge_ports),
    cidr: canonicalCidr(item.cidr, item.address, item.netmask),
    gateway: item.gateway ? canonicalIp(item.gateway) : '',
    bridge_vlan_aware: aware,
    // Proxmox's own default when the key is absent on a VLAN-aware bridge (FACTS §4).
    bridge_vids: aware ? normalizeVids(item.bridge_vids) || DEFAULT_VIDS : '',
    mtu: mtu(item.mtu),
    autostart: bool(item.autostart),
    comments: normalizeComment(item.comments),
  };
}
