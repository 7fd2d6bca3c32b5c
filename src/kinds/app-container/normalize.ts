/**
 * One comparable shape for a container config, whether it comes from a spec or from
 * `GET /nodes/{node}/lxc/{vmid}/pending`. Proxmox re-prints property strings in its own key order,
 * adds `hwaddr` and `type=veth` to NICs, returns booleans as 0/1 (or leaves defaults out), lower-cases
 * and sorts tags and ends every description line with `\n` — both sides are brought to the same
 * canonical strings before diffing, otherwise every pass would see "drift".
 */
import { descriptionWithMarker, PXR_TAG } from './marker.js';
import {
  GiB,
  normalizeTags,
  normalizeText,
  parseProps,
  parseSize,
  printProps,
  propBool,
  volumeStorage,
} from './propstring.js';
import type { ResolvedSpec } from './spec.js';
import { nicIndex, nicProps, type GuestNic } from '../guest-nics/nics.js';

/**
 * Plain config keys pxr manages and compares (NICs, mount points and rootfs are handled apart: NICs
 * are `net{i}` keys of the canonical config, as many as there are).
 */
export const MANAGED_KEYS = [
  'hostname',
  'cores',
  'memory',
  'swap',
  'nameserver',
  'searchdomain',
  'features',
  'onboot',
  'startup',
  'tags',
  'description',
] as const;
export type ManagedKey = (typeof MANAGED_KEYS)[number];

export type NetKey = `net${number}`;
export type ConfigKey = ManagedKey | NetKey;

/** Canonical values; '' = unset. Every NIC the config has (or the spec wants) is a `net{i}` key. */
export type CanonicalConfig = Record<ManagedKey, string> & { [net: NetKey]: string };

/** The `net{i}` keys of a config, in index order. */
export function netKeys(c: CanonicalConfig): NetKey[] {
  return (Object.keys(c).filter((k) => nicIndex(k) !== undefined) as NetKey[]).sort(
    (a, b) => (nicIndex(a) ?? 0) - (nicIndex(b) ?? 0),
  );
}

export interface DiskState {
  /** `rootfs`, `mp0`... */
  key: string;
  storage: string | undefined;
  /** Volume id of an existing disk (`local-lvm:vm-100-disk-1`). */
  volume?: string;
  sizeBytes: number | undefined;
  /** Mount point path (mp only). */
  path?: string;
  backup: 0 | 1;
  ro: 0 | 1;
}

export interface CtState {
  config: CanonicalConfig;
  rootfs: DiskState | undefined;
  mounts: Map<string, DiskState>;
  unprivileged: 0 | 1;
  protection: 0 | 1;
  /** MAC of net0, upper-case. */
  mac?: string;
  /** MAC of every NIC (`net1` -> MAC), upper-case. */
  macs: Map<string, string>;
}

export type RawConfig = Record<string, string | number | undefined>;

const NET_BOOLS = ['firewall', 'link_down', 'host-managed'];
const NET_NUMBERS = ['mtu', 'tag', 'rate'];

/** net0 as a canonical property string; `withMac` keeps the `hwaddr` key. */
export function canonicalNet(text: string | number | undefined, withMac: boolean): string {
  if (text === undefined || text === '') return '';
  const p = parseProps(text);
  delete p['type'];
  if (!withMac) delete p['hwaddr'];
  else if (p['hwaddr']) p['hwaddr'] = p['hwaddr'].toUpperCase();
  for (const k of NET_BOOLS) {
    if (p[k] === undefined) continue;
    if (propBool(p[k]) === 1) p[k] = '1';
    else delete p[k];
  }
  for (const k of NET_NUMBERS) if (p[k] !== undefined) p[k] = String(Number(p[k]));
  return printProps(p, ['name']);
}

function canonicalFeatures(text: string | number | undefined): string {
  const p = parseProps(text);
  for (const k of ['nesting', 'keyctl', 'fuse', 'mknod', 'force_rw_sys']) {
    if (p[k] === undefined) continue;
    if (propBool(p[k]) === 1) p[k] = '1';
    else delete p[k];
  }
  return printProps(p);
}

function canonicalStartup(text: string | number | undefined): string {
  const p = parseProps(text, 'order');
  for (const k of Object.keys(p)) p[k] = String(Number(p[k]));
  return printProps(p, ['order', 'up', 'down']);
}

function canonicalList(text: string | number | undefined): string {
  return String(text ?? '')
    .split(/[\s,;]+/)
    .filter((x) => x !== '')
    .join(' ');
}

function num(v: string | number | undefined, dflt: string): string {
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  return Number.isFinite(n) ? String(n) : String(v);
}

/** Canonical form of one raw config value as read back (or as sent). */
export function canonicalValue(
  key: ConfigKey,
  v: string | number | undefined,
  mac = false,
): string {
  if (nicIndex(key) !== undefined) return canonicalNet(v, mac);
  switch (key as ManagedKey) {
    case 'cores':
      return num(v, '');
    case 'memory':
      return num(v, '512');
    case 'swap':
      return num(v, '512');
    case 'onboot':
      return String(propBool(v === undefined ? undefined : String(v)));
    case 'tags':
      return normalizeTags(v === undefined ? undefined : String(v));
    case 'description':
      return normalizeText(v === undefined ? undefined : String(v));
    case 'features':
      return canonicalFeatures(v);
    case 'startup':
      return canonicalStartup(v);
    case 'nameserver':
      return canonicalList(v);
    case 'hostname':
    case 'searchdomain':
      return String(v ?? '').trim();
  }
}

/**
 * The `net{i}` value pxr sends for a NIC: name first, then sorted, with its recorded MAC when known.
 * `ip: none` sends no `ip` (the NIC comes up unconfigured).
 */
export function desiredNet(nic: GuestNic, index: number, mac?: string): string {
  const p: Record<string, string> = { name: `eth${index}`, ...nicProps(nic) };
  if (nic.ip !== 'none') p['ip'] = nic.ip;
  if (nic.ip !== 'dhcp' && nic.ip !== 'none' && nic.gateway) p['gw'] = nic.gateway;
  if (mac) p['hwaddr'] = mac.toUpperCase();
  return printProps(p, ['name']);
}

/** Every NIC as sent (`net0`… in order); `macOf` gives the MAC to pin per index. */
export function desiredNets(
  spec: ResolvedSpec,
  macOf: (index: number) => string | undefined,
): Record<NetKey, string> {
  const out: Record<NetKey, string> = {};
  spec.nics.forEach((nic, i) => (out[`net${i}`] = desiredNet(nic, i, macOf(i))));
  return out;
}

function desiredFeatures(f: ResolvedSpec['features']): string {
  const p: Record<string, string> = {};
  for (const k of ['nesting', 'keyctl', 'fuse', 'mknod'] as const) if (f[k]) p[k] = '1';
  return printProps(p);
}

function desiredStartup(s: ResolvedSpec['startup']): string {
  if (!s) return '';
  const p: Record<string, string> = {};
  if (s.order !== undefined) p['order'] = String(s.order);
  if (s.up !== undefined) p['up'] = String(s.up);
  if (s.down !== undefined) p['down'] = String(s.down);
  return printProps(p, ['order', 'up', 'down']);
}

/**
 * Desired managed config; the NICs' bridges are resolved by the caller (a bridge of the spec or an
 * appliance's LAN). A NIC with a pinned MAC (`macOf`) is compared with it.
 */
export function desiredConfig(
  spec: ResolvedSpec,
  uid: string,
  macOf: (index: number) => string | undefined = () => undefined,
): CanonicalConfig {
  const nets: Record<NetKey, string> = {};
  for (const [k, v] of Object.entries(desiredNets(spec, macOf)) as [NetKey, string][])
    nets[k] = canonicalNet(v, macOf(nicIndex(k) ?? 0) !== undefined);
  return {
    ...nets,
    hostname: spec.hostname,
    cores: String(spec.cores),
    memory: String(spec.memory),
    swap: String(spec.swap),
    nameserver: spec.nameservers.join(' '),
    searchdomain: spec.searchdomain ?? '',
    features: desiredFeatures(spec.features),
    onboot: spec.onboot ? '1' : '0',
    startup: desiredStartup(spec.startup),
    tags: normalizeTags([PXR_TAG, ...spec.tags]),
    description: normalizeText(descriptionWithMarker(spec.description, uid)),
  };
}

/** A disk as it reads back: `local-lvm:vm-100-disk-0,mp=/data,size=8G,backup=1`. */
export function parseDisk(key: string, text: string | number | undefined): DiskState | undefined {
  if (text === undefined) return undefined;
  const p = parseProps(text, 'volume');
  const volume = p['volume'];
  const d: DiskState = {
    key,
    storage: volumeStorage(volume),
    sizeBytes: parseSize(p['size']),
    backup: propBool(p['backup']),
    ro: propBool(p['ro']),
  };
  if (volume !== undefined) d.volume = volume;
  if (p['mp'] !== undefined) d.path = p['mp'];
  return d;
}

/**
 * Observed state from a raw config (`current` or pending-merged view); `withMac` says which NICs are
 * compared with their MAC (those whose MAC pxr pins).
 */
export function observedState(
  raw: RawConfig,
  withMac: boolean | ((index: number) => boolean),
): CtState {
  const config = {} as CanonicalConfig;
  for (const k of MANAGED_KEYS) config[k] = canonicalValue(k, raw[k]);
  const macs = new Map<string, string>();
  for (const [k, v] of Object.entries(raw)) {
    const i = nicIndex(k);
    if (i === undefined || v === undefined || v === '') continue;
    const pin = typeof withMac === 'boolean' ? withMac : withMac(i);
    config[k as NetKey] = canonicalNet(v, pin);
    const mac = parseProps(v)['hwaddr'];
    if (mac) macs.set(k, mac.toUpperCase());
  }
  const mounts = new Map<string, DiskState>();
  for (const [k, v] of Object.entries(raw)) {
    if (!/^mp\d+$/.test(k)) continue;
    const d = parseDisk(k, v);
    if (d) mounts.set(k, d);
  }
  const st: CtState = {
    config,
    rootfs: parseDisk('rootfs', raw['rootfs']),
    mounts,
    unprivileged: propBool(
      raw['unprivileged'] === undefined ? undefined : String(raw['unprivileged']),
    ),
    protection: propBool(raw['protection'] === undefined ? undefined : String(raw['protection'])),
    macs,
  };
  const mac = macs.get('net0');
  if (mac) st.mac = mac;
  return st;
}

/** Desired disks: rootfs and `mpN` in spec order. */
export function desiredDisks(spec: ResolvedSpec): { rootfs: DiskState; mounts: DiskState[] } {
  return {
    rootfs: {
      key: 'rootfs',
      storage: spec.diskStorage,
      sizeBytes: spec.diskGb * GiB,
      backup: 0,
      ro: 0,
    },
    mounts: spec.mountPoints.map((m, i) => ({
      key: `mp${i}`,
      storage: m.storage,
      sizeBytes: m.size * GiB,
      path: m.path,
      backup: m.backup ? 1 : 0,
      ro: m.readOnly ? 1 : 0,
    })),
  };
}

/** `8589934592` -> `8G` (the unit Proxmox resize takes). */
export function sizeArg(bytes: number): string {
  return bytes % GiB === 0 ? `${bytes / GiB}G` : `${Math.ceil(bytes / 1024 ** 2)}M`;
}
