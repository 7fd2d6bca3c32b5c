/**
 * Shared field checks for every kind's semantic validation. Each returns `undefined` when the value is
 * fine, or a human message that says what Proxmox (or Linux) would reject and, where possible, what to
 * write instead — so a bad name is an error with a suggestion, not a crash loop against the API.
 */

/** PVE `pve-iface` format (pve-common JSONSchema.pm `pve_verify_iface`). */
export const PVE_IFACE_PATTERN = '^[a-z][a-z0-9_]{1,20}([:.]\\d+)?$';
const PVE_IFACE_RE = new RegExp(PVE_IFACE_PATTERN);
/** The API additionally caps `iface` at 20 characters (schema `maxLength: 20`, `minLength: 2`). */
export const PVE_IFACE_MAX_LENGTH = 20;

/**
 * Largest memory or swap in MiB (64 TiB, what 46-bit physical addressing reaches). Proxmox sets no
 * maximum (`16 - N`); without one, `memory: 1e30` passed validation and only failed in the API.
 */
export const MAX_MEMORY_MIB = 64 * 1024 * 1024;

/** DNS-1123 label: the shape of every `metadata.name`. */
export const DNS_LABEL_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
const DNS_LABEL_RE = new RegExp(DNS_LABEL_PATTERN);
export const DNS_LABEL_MAX_LENGTH = 63;

/** PVE `pve-node` format: a host name label. */
export const PVE_NODE_PATTERN = '^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$';

const IPV4_OCTET = '(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
/** Dotted quad without leading zeros (a leading zero is octal to some tools, so Proxmox's regex refuses it). */
export const IPV4_PATTERN = `^${IPV4_OCTET}(\\.${IPV4_OCTET}){3}$`;
const IPV4_RE = new RegExp(IPV4_PATTERN);
/** Loose shape for editors; the exact rules (prefix range) are in {@link checkCidrV4}. */
export const CIDR_V4_PATTERN = `^${IPV4_OCTET}(\\.${IPV4_OCTET}){3}/\\d{1,2}$`;

/** A VLAN id or range as PVE writes them in `bridge_vids`: `100` or `2-4094`. */
export const VLAN_ITEM_PATTERN = '^\\d+(-\\d+)?$';
/** A whole `bridge_vids` list: items separated by spaces, commas or semicolons (PVE `split_list`). */
export const VLAN_LIST_PATTERN = '^\\s*\\d+(-\\d+)?([\\s,;]+\\d+(-\\d+)?)*\\s*$';

/** Suggests a valid PVE interface name close to `name` (lower-cased, `-`/spaces → `_`, trimmed). */
export function suggestIfaceName(name: string): string {
  const m = /^(.*?)([:.]\d+)?$/.exec(name);
  const base = m?.[1] ?? name;
  const suffix = m?.[2] ?? '';
  let s = base.toLowerCase().replace(/[^a-z0-9_]+/g, '_');
  s = s.replace(/^[^a-z]+/, '');
  if (s.length < 2) s = 'vmbr' + (s.replace(/\D/g, '') || '0');
  const max = PVE_IFACE_MAX_LENGTH - suffix.length;
  s = s.slice(0, Math.max(2, Math.min(21, max))).replace(/_+$/, '');
  if (s.length < 2) s = 'vmbr0';
  return s + suffix;
}

/** Checks a PVE interface name; the message quotes the rule and suggests a valid name. */
/**
 * What a guest NIC may name as its bridge (pve-container and qemu-server: `[-_.\w\d]+`): wider than
 * what the network API creates, since a bridge written by hand in /etc/network/interfaces
 * (`proximity-lan`) is legitimate; Linux caps interface names at 15 characters.
 */
export const NIC_BRIDGE_PATTERN = '^[-_.\\w]+$';
export const NIC_BRIDGE_MAX_LENGTH = 15;
const NIC_BRIDGE_RE = new RegExp(NIC_BRIDGE_PATTERN);

export function checkNicBridge(name: string): string | undefined {
  if (!NIC_BRIDGE_RE.test(name)) {
    return `invalid bridge name '${name}' (a NIC's bridge is letters, digits, '-', '_' and '.'); try '${name.replace(/[^-_.\w]/g, '')}'`;
  }
  if (name.length > NIC_BRIDGE_MAX_LENGTH) {
    return `invalid bridge name '${name}': Linux interface names have at most ${NIC_BRIDGE_MAX_LENGTH} characters`;
  }
  return undefined;
}

export function checkIfaceName(name: string): string | undefined {
  if (PVE_IFACE_RE.test(name) && name.length <= PVE_IFACE_MAX_LENGTH && name.length >= 2) {
    return undefined;
  }
  if (PVE_IFACE_RE.test(name)) {
    return (
      `invalid interface name '${name}' (Proxmox allows at most ${PVE_IFACE_MAX_LENGTH} characters); ` +
      `try '${suggestIfaceName(name)}'`
    );
  }
  return (
    `invalid interface name '${name}' (Proxmox allows ${PVE_IFACE_PATTERN}); ` +
    `try '${suggestIfaceName(name)}'`
  );
}

/** Checks a DNS-1123 label (object names, label-like identifiers). */
export function checkDnsLabel(name: string): string | undefined {
  if (name.length > DNS_LABEL_MAX_LENGTH) {
    return `'${name}' is longer than ${DNS_LABEL_MAX_LENGTH} characters (a DNS-1123 label)`;
  }
  if (!DNS_LABEL_RE.test(name)) {
    const hint = name
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, DNS_LABEL_MAX_LENGTH);
    return (
      `'${name}' is not a DNS-1123 label (lower-case letters, digits and '-', ` +
      `starting and ending with a letter or digit)` +
      (hint && hint !== name ? `; try '${hint}'` : '')
    );
  }
  return undefined;
}

/** Parses a dotted-quad IPv4 address to a 32-bit unsigned number, or undefined. */
export function parseIpv4(text: string): number | undefined {
  if (!IPV4_RE.test(text)) return undefined;
  return text.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
}

export function formatIpv4(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

export function checkIpv4(text: string): string | undefined {
  return parseIpv4(text) === undefined
    ? `'${text}' is not an IPv4 address (e.g. 192.0.2.1)`
    : undefined;
}

export interface CidrV4 {
  /** The address as written (the host's own address on the interface). */
  address: number;
  prefix: number;
  /** First address of the subnet. */
  network: number;
  /** Last address of the subnet. */
  broadcast: number;
}

/** Parses `a.b.c.d/nn`; `undefined` when malformed (use {@link checkCidrV4} for the message). */
export function parseCidrV4(text: string): CidrV4 | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const address = parseIpv4(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (address === undefined || !/^\d{1,2}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  if (prefix > 32) return undefined;
  const size = 2 ** (32 - prefix);
  const network = Math.floor(address / size) * size;
  return { address, prefix, network, broadcast: network + size - 1 };
}

/**
 * Checks an interface CIDR (`address/prefix`). Proxmox's `CIDRv4` format only accepts prefixes 8..32
 * (pve-common `pve_verify_cidrv4`).
 */
export function checkCidrV4(text: string): string | undefined {
  const c = parseCidrV4(text);
  if (c === undefined) {
    if (!text.includes('/')) {
      return `invalid CIDR '${text}': expected address/prefix, e.g. '${text}/24'`;
    }
    return `invalid CIDR '${text}': expected an IPv4 address and a prefix length, e.g. 192.0.2.1/24`;
  }
  if (c.prefix < 8) return `invalid CIDR '${text}': Proxmox accepts prefix lengths 8 to 32`;
  return undefined;
}

/** Checks that `gateway` is a usable host address inside the subnet of `cidr` (both already valid). */
export function checkGatewayInCidr(gateway: string, cidr: string): string | undefined {
  const g = parseIpv4(gateway);
  const c = parseCidrV4(cidr);
  if (g === undefined || c === undefined) return undefined;
  const subnet = `${formatIpv4(c.network)}/${c.prefix}`;
  if (g < c.network || g > c.broadcast) {
    return `gateway ${gateway} is outside the bridge subnet ${subnet} (from cidr ${cidr})`;
  }
  if (g === c.address) return `gateway ${gateway} is the bridge's own address (cidr ${cidr})`;
  if (c.prefix < 31 && (g === c.network || g === c.broadcast)) {
    const what = g === c.network ? 'network' : 'broadcast';
    return `gateway ${gateway} is the ${what} address of ${subnet}`;
  }
  return undefined;
}

/** One VLAN id or an inclusive range. */
export interface VlanRange {
  from: number;
  to: number;
}

/**
 * Parses VLAN ids/ranges as PVE accepts them in `bridge_vids` (`pve-vlan-id-or-range-list`): a
 * string list (`'2 4 100-200'`, commas or semicolons also separate) or an array of ids and ranges.
 * Ranges must go from lower to higher, ids are 1..4094.
 */
export function parseVlanList(value: unknown): {
  ranges: VlanRange[];
  errors: { index?: number; message: string }[];
} {
  const ranges: VlanRange[] = [];
  const errors: { index?: number; message: string }[] = [];
  const items: { item: unknown; index?: number }[] =
    typeof value === 'string'
      ? value
          .split(/[\s,;]+/)
          .filter((s) => s !== '')
          .map((item) => ({ item }))
      : Array.isArray(value)
        ? value.map((item: unknown, index) => ({ item, index }))
        : [];
  if (typeof value !== 'string' && !Array.isArray(value)) {
    errors.push({ message: `must be a string like '2-4094' or a list of VLAN ids and ranges` });
  } else if (items.length === 0) {
    errors.push({ message: 'must list at least one VLAN id or range' });
  }
  for (const { item, index } of items) {
    const at = (message: string): void => {
      errors.push(index === undefined ? { message } : { index, message });
    };
    const text = typeof item === 'number' ? String(item) : typeof item === 'string' ? item : '';
    const m = /^(\d+)(?:-(\d+))?$/.exec(text.trim());
    if (!m) {
      at(
        `invalid VLAN id or range ${typeof item === 'string' ? `'${item}'` : JSON.stringify(item)} (e.g. 100 or 2-4094)`,
      );
      continue;
    }
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    const bad = [from, to].find((t) => t < 1 || t > 4094);
    if (bad !== undefined) at(`invalid VLAN tag '${bad}' in '${text}' (VLAN ids are 1 to 4094)`);
    else if (m[2] !== undefined && from >= to) {
      at(`VLAN range must go from lower to higher tag '${text}'`);
    } else ranges.push({ from, to });
  }
  return { ranges, errors };
}

/** Finds the closest candidate to `word` (edit distance ≤ 2 or a case-insensitive match), for hints. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = Infinity;
  for (const c of candidates) {
    const score =
      c.toLowerCase() === word.toLowerCase().replace(/[-_]/g, '') ? 0 : editDistance(word, c);
    if (score < bestScore) {
      best = c;
      bestScore = score;
    }
  }
  return bestScore <= Math.max(2, Math.floor(word.length / 4)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] ?? 0;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j] ?? 0;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      prev[j] = Math.min(up + 1, (prev[j - 1] ?? 0) + 1, diag + cost);
      diag = up;
    }
  }
  return prev[b.length] ?? 0;
}
