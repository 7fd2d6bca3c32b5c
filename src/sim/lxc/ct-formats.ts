/**
 * The property-string formats of container config keys (pve-container `LXC/Config.pm`:
 * `$netconf_desc`, `$rootfs_desc`, `$mp_desc`, `$unused_desc`, `$features_desc`, `$dev_desc`) and the
 * parse/print helpers the handlers use. They are registered with the simulator's format registry so
 * request validation rejects what Proxmox would reject.
 */
import { checkFormat, registerFormat } from '../formats.js';
import {
  parsePropertyString,
  parseSize,
  printPropertyString,
  type PropFormat,
  type PropValues,
} from './property-string.js';

const MOUNT_OPT = '(?:(discard|lazytime|noatime|nodev|noexec|nosuid))';

export const NET_FORMAT: PropFormat = {
  type: { type: 'string', optional: true, enum: ['veth'] },
  name: { type: 'string', pattern: /[-_.\w\d]+/ },
  bridge: { type: 'string', optional: true, pattern: /[-_.\w\d]+/ },
  hwaddr: { type: 'string', optional: true, format: 'mac-addr' },
  mtu: { type: 'integer', optional: true, minimum: 64, maximum: 65535 },
  ip: { type: 'string', optional: true, format: 'pve-ipv4-config' },
  gw: { type: 'string', optional: true, format: 'ipv4' },
  ip6: { type: 'string', optional: true, format: 'pve-ipv6-config' },
  gw6: { type: 'string', optional: true, format: 'ipv6' },
  firewall: { type: 'boolean', optional: true },
  tag: { type: 'integer', optional: true, minimum: 1, maximum: 4094 },
  trunks: { type: 'string', optional: true, pattern: /(?:\d+(?:;\d+)*)/ },
  rate: { type: 'number', optional: true },
  link_down: { type: 'boolean', optional: true },
  'host-managed': { type: 'boolean', optional: true },
};

export const ROOTFS_FORMAT: PropFormat = {
  volume: { type: 'string', defaultKey: true, format: 'pve-lxc-mp-string' },
  size: { type: 'string', optional: true, format: 'disk-size' },
  acl: { type: 'boolean', optional: true },
  mountoptions: {
    type: 'string',
    optional: true,
    pattern: new RegExp(`(?:${MOUNT_OPT}(;${MOUNT_OPT})*)`),
  },
  ro: { type: 'boolean', optional: true },
  quota: { type: 'boolean', optional: true },
  replicate: { type: 'boolean', optional: true, default: 1 },
  shared: { type: 'boolean', optional: true, default: 0 },
};

export const MP_FORMAT: PropFormat = {
  ...ROOTFS_FORMAT,
  backup: { type: 'boolean', optional: true },
  mp: { type: 'string', format: 'pve-lxc-mp-string' },
  keepattrs: { type: 'boolean', optional: true, default: 0 },
};

export const UNUSED_FORMAT: PropFormat = {
  volume: { type: 'string', defaultKey: true, format: 'pve-volume-id' },
};

export const FEATURES_FORMAT: PropFormat = {
  mount: { type: 'string', optional: true, pattern: /(?:[a-zA-Z0-9_; ]+)/ },
  nesting: { type: 'boolean', optional: true, default: 0 },
  keyctl: { type: 'boolean', optional: true, default: 0 },
  fuse: { type: 'boolean', optional: true, default: 0 },
  mknod: { type: 'boolean', optional: true, default: 0 },
  force_rw_sys: { type: 'boolean', optional: true, default: 0 },
};

export const DEV_FORMAT: PropFormat = {
  path: { type: 'string', optional: true, defaultKey: true, format: 'pve-lxc-dev-string' },
  mode: { type: 'string', optional: true, pattern: /0[0-7]{3}/ },
  uid: { type: 'integer', optional: true, minimum: 0 },
  gid: { type: 'integer', optional: true, minimum: 0 },
  'deny-write': { type: 'boolean', optional: true, default: 0 },
};

// Value formats used inside the property strings (pve-common / pve-container verifiers).
registerFormat('pve-ipv4-config', (v) =>
  v === 'dhcp' || v === 'manual' || checkFormat('CIDRv4', v) === undefined
    ? undefined
    : 'value does not look like a valid ipv4 network configuration',
);
registerFormat('pve-ipv6-config', (v) =>
  v === 'auto' || v === 'dhcp' || v === 'manual' || checkFormat('CIDRv6', v) === undefined
    ? undefined
    : 'value does not look like a valid ipv6 network configuration',
);
registerFormat('pve-lxc-mp-string', (v) =>
  /\/\.\.?\//.test(v) || /\/\.\.?$/.test(v) || /^\.\.\//.test(v)
    ? `${v} contains illegal character sequences`
    : undefined,
);
registerFormat('pve-lxc-dev-string', (v) =>
  /\/\.\.?(?:\/|$)/.test(v) || !v.startsWith('/dev/')
    ? `${v} is not a valid device path`
    : undefined,
);

/** Format ids used in the endpoint params (the schema dump expands them to key lists). */
export const FORMAT_IDS = {
  net: 'pve-lxc-network',
  rootfs: 'pve-ct-rootfs',
  mp: 'pve-ct-mountpoint',
  unused: 'pve-lxc-unused',
  features: 'pve-lxc-features',
  dev: 'pve-lxc-dev',
} as const;

const byId: Record<string, PropFormat> = {
  [FORMAT_IDS.net]: NET_FORMAT,
  [FORMAT_IDS.rootfs]: ROOTFS_FORMAT,
  [FORMAT_IDS.mp]: MP_FORMAT,
  [FORMAT_IDS.unused]: UNUSED_FORMAT,
  [FORMAT_IDS.features]: FEATURES_FORMAT,
  [FORMAT_IDS.dev]: DEV_FORMAT,
};

for (const [id, format] of Object.entries(byId)) {
  registerFormat(id, (v) => {
    parsePropertyString(format, v);
  });
}

/** The format of a config key (`net3` -> NET_FORMAT), if it is a property string. */
export function formatOfKey(key: string): PropFormat | undefined {
  if (/^net\d+$/.test(key)) return NET_FORMAT;
  if (/^mp\d+$/.test(key)) return MP_FORMAT;
  if (/^unused\d+$/.test(key)) return UNUSED_FORMAT;
  if (/^dev\d+$/.test(key)) return DEV_FORMAT;
  if (key === 'rootfs') return ROOTFS_FORMAT;
  if (key === 'features') return FEATURES_FORMAT;
  return undefined;
}

/**
 * `parse_lxc_network`: `type` is forced to veth and a missing hwaddr is generated with the
 * datacenter's default `BC:24:11` prefix.
 */
export function parseNet(text: string, random: () => number): PropValues {
  const net = parsePropertyString(NET_FORMAT, text);
  net.type = 'veth';
  if (net.hwaddr === undefined || net.hwaddr === '') net.hwaddr = randomMac(random);
  return net;
}

export function printNet(net: PropValues): string {
  return printPropertyString(net, NET_FORMAT);
}

/** `PVE::Tools::random_ether_addr('BC:24:11')`: upper-case hex, prefix kept. */
export function randomMac(random: () => number): string {
  const bytes = Array.from({ length: 3 }, () => Math.floor(random() * 256));
  return [
    'BC',
    '24',
    '11',
    ...bytes.map((b) => b.toString(16).toUpperCase().padStart(2, '0')),
  ].join(':');
}

/** A parsed mount point (`rootfs`, `mpN`, `unusedN`) with `size` in bytes. */
export interface MountPoint {
  values: PropValues;
  volume: string;
  /** bytes, when the string had `size=` */
  size?: number;
  /** `volume` (storage:...), `bind` (/path) or `device` (/dev/...) */
  type: 'volume' | 'bind' | 'device';
}

/** `parse_volume`: the size is converted to bytes and the mount point classified. */
export function parseMountPoint(key: string, text: string): MountPoint {
  const format = key === 'rootfs' ? ROOTFS_FORMAT : /^unused/.test(key) ? UNUSED_FORMAT : MP_FORMAT;
  const values = parsePropertyString(format, text);
  const volume = String(values.volume);
  let size: number | undefined;
  if (values.size !== undefined) {
    size = parseSize(String(values.size));
    if (size !== undefined) values.size = size;
  }
  const type = volume.startsWith('/dev/') ? 'device' : volume.startsWith('/') ? 'bind' : 'volume';
  return { values, volume, type, ...(size !== undefined ? { size } : {}) };
}

/** `print_ct_mountpoint`: rootfs is printed without `mp`. */
export function printMountPoint(key: string, values: PropValues): string {
  if (/^unused/.test(key)) return printPropertyString(values, UNUSED_FORMAT);
  return printPropertyString(values, MP_FORMAT, key === 'rootfs' ? ['mp'] : []);
}

/** `STORAGE:SIZE_IN_GiB` asks for a new volume (`$NEW_DISK_RE`). */
export function newDiskRequest(volume: string): { storage: string; sizeGb: number } | undefined {
  const m = /^([^:\s]+):(\d+(?:\.\d+)?)$/.exec(volume);
  if (!m?.[1] || m[2] === undefined) return undefined;
  return { storage: m[1], sizeGb: Number(m[2]) };
}
