/**
 * Address parsing as pve-firewall does it (Firewall.pm `parse_address_list`, `parse_ip_or_cidr`,
 * `clean_cidr`, `pve_verify_ip_or_cidr`), with Net::IP's checks approximated: a CIDR prefix must
 * have no host bits set, a range must not run backwards. Pure functions; errors are thrown as
 * `Error`s whose message is the Perl `die` text.
 */
import { isIPv4, isIPv6 } from 'node:net';

export type IpVersion = 4 | 6;

/** `[A-Za-z][A-Za-z0-9\-\_]+`: names of aliases, IP sets and security groups. */
export const NAME_PATTERN = '[A-Za-z][A-Za-z0-9\\-\\_]+';
const ALIAS_REF_RE = new RegExp(`^(dc/|guest/)?(${NAME_PATTERN})$`);
const MAX_NAME_LENGTH = 64;

export function ipVersionOf(ip: string): IpVersion | undefined {
  if (isIPv4(ip)) return 4;
  if (isIPv6(ip)) return 6;
  return undefined;
}

function v4ToBig(ip: string): bigint {
  return ip.split('.').reduce((acc, o) => (acc << 8n) | BigInt(Number(o)), 0n);
}

function v6ToBig(ip: string): bigint {
  let text = ip;
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two hex groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4?.[1]) {
    const n = v4ToBig(v4[1]);
    text = `${text.slice(0, -v4[1].length)}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups =
    tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

export function ipToBig(ip: string, version: IpVersion): bigint {
  return version === 4 ? v4ToBig(ip) : v6ToBig(ip);
}

function bigToIp(n: bigint, version: IpVersion): string {
  if (version === 4) {
    return [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 255n)).join('.');
  }
  const groups: string[] = [];
  for (let s = 112n; s >= 0n; s -= 16n) groups.push(((n >> s) & 0xffffn).toString(16));
  return compressIpv6(groups.join(':'));
}

/** The canonical (RFC 5952) text of an IPv6 address, like Net::IP::ip_compress_address. */
export function compressIpv6(ip: string): string {
  return new URL(`http://[${ip}]`).hostname.slice(1, -1);
}

function bitsOf(version: IpVersion): number {
  return version === 4 ? 32 : 128;
}

function binary(n: bigint, version: IpVersion): string {
  return n.toString(2).padStart(bitsOf(version), '0');
}

/** Net::IP->new on one element (address, CIDR or range); returns its version or throws Net::IP's error. */
function netIp(elem: string): IpVersion {
  const range = /^(.+?)\s*-\s*(.+)$/.exec(elem);
  if (range?.[1] && range[2]) {
    const a = ipVersionOf(range[1]);
    const b = ipVersionOf(range[2]);
    if (!a || !b) throw new Error(`Invalid IP address ${!a ? range[1] : range[2]}`);
    if (a !== b) {
      throw new Error(
        `Begin and End addresses have different IP versions - ${range[1]} - ${range[2]}`,
      );
    }
    if (ipToBig(range[1], a) > ipToBig(range[2], b)) {
      throw new Error(`Begin address is greater than End address ${range[1]} - ${range[2]}`);
    }
    return a;
  }
  const m = /^([^/]+)(?:\/(\d+))?$/.exec(elem);
  const ip = m?.[1];
  const version = ip === undefined ? undefined : ipVersionOf(ip);
  if (ip === undefined || version === undefined) {
    if (elem.includes(':') || /^[\d.]+(\/\d+)?$/.test(elem))
      throw new Error(`Invalid IP address ${elem}`);
    throw new Error(`Cannot determine IP version for ${elem}`);
  }
  if (m?.[2] !== undefined) {
    const len = Number(m[2]);
    const max = bitsOf(version);
    if (len > max) throw new Error(`Prefix length ${len} is longer than IP address (${max})`);
    const n = ipToBig(ip, version);
    const hostMask = (1n << BigInt(max - len)) - 1n;
    if ((n & hostMask) !== 0n) throw new Error(`Invalid prefix ${binary(n, version)}/${len}`);
  }
  return version;
}

/** `pve-fw-addr-spec`: a list of addresses/CIDRs/ranges, an alias, or `+ipset`. Returns the IP version. */
export function parseAddressList(str: string): IpVersion | undefined {
  if (/^\+\S+$/.test(str)) {
    if (str.length > MAX_NAME_LENGTH + 1) throw new Error('ipset name too long');
    return undefined;
  }
  if (ALIAS_REF_RE.test(str)) {
    if (str.length > MAX_NAME_LENGTH) throw new Error('alias name too long');
    return undefined;
  }
  const elements = str.split(',');
  // Perl's split drops trailing empty fields, so only a trailing comma differs from the join.
  while (elements.length > 0 && elements[elements.length - 1] === '') elements.pop();
  if (elements.join(',') !== str) {
    throw new Error('extraneous commas in list');
  }
  let version: IpVersion | undefined;
  let range = false;
  for (const elem of elements) {
    let v: IpVersion;
    try {
      v = netIp(elem);
    } catch (err) {
      throw new Error(`invalid IP address: ${(err as Error).message}`);
    }
    if (elem.includes('-')) range = true;
    if (version !== undefined && v !== version) {
      throw new Error(`detected mixed ipv4/ipv6 addresses in address list '${str}'`);
    }
    version = v;
  }
  if (range && elements.length > 1) throw new Error("you can't use a range in a list");
  return version;
}

/** Whether `value` names an alias (optionally scoped `dc/` or `guest/`). */
export function parseAliasRef(
  value: string,
): { scope: '' | 'dc/' | 'guest/'; name: string } | undefined {
  const m = ALIAS_REF_RE.exec(value);
  if (!m?.[2]) return undefined;
  return { scope: (m[1] ?? '') as '' | 'dc/' | 'guest/', name: m[2] };
}

/** Clears the host bits of a CIDR (`10.0.0.5/24` -> `10.0.0.0/24`); other values pass unchanged. */
export function cleanCidr(cidr: string): string {
  const [ip = '', len] = cidr.split('/');
  if (!len) return cidr;
  const version = ipVersionOf(ip);
  if (!version) return cidr;
  const max = bitsOf(version);
  const bits = Math.min(Number(len), max);
  const mask = ((1n << BigInt(max)) - 1n) ^ ((1n << BigInt(max - bits)) - 1n);
  return `${bigToIp(ipToBig(ip, version) & mask, version)}/${len}`;
}

/** `parse_ip_or_cidr`: the stored form (a `/32` or `/128` suffix is dropped) and the version. */
export function parseIpOrCidr(cidr: string): { cidr: string; ipversion: IpVersion } {
  const m = /^([^/]+)(?:\/(\d+))?$/.exec(cidr);
  const version = m?.[1] === undefined ? undefined : ipVersionOf(m[1]);
  if (!version) throw new Error('value does not look like a valid IP address or CIDR network');
  const full = version === 4 ? '/32' : '/128';
  return { cidr: cidr.endsWith(full) ? cidr.slice(0, -full.length) : cidr, ipversion: version };
}

/** Format `IPorCIDR`: error text, or undefined when valid. */
export function verifyIpOrCidr(cidr: string): string | undefined {
  const m = /^([^/]+)(?:\/(\d+))?$/.exec(cidr);
  if (!m?.[1] || !ipVersionOf(m[1])) {
    return 'value does not look like a valid IP address or CIDR network';
  }
  try {
    netIp(cleanCidr(cidr));
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** Format `IPorCIDRorAlias`. */
export function verifyIpOrCidrOrAlias(cidr: string): string | undefined {
  return ALIAS_REF_RE.test(cidr) ? undefined : verifyIpOrCidr(cidr);
}
