/**
 * Named parameter formats, with the messages of pve-common's `PVE::JSONSchema` verifiers (each
 * `die "...\n"` becomes `invalid format - ...\n` in the 400 `errors`). Endpoint groups add their own
 * formats (property strings like `net0`, `rootfs`) with {@link registerFormat}.
 */
import { isIPv6 as nodeIsIPv6 } from 'node:net';

/**
 * Checks one value. Returns nothing when valid, or the error text (as the Perl verifier would
 * `die` it); throwing an Error works too (its message is used).
 */
export type FormatCheck = (value: string) => string | undefined | void;

const registry = new Map<string, FormatCheck>();

/** Adds or replaces a named format. Later registrations win (an engineer may refine a default). */
export function registerFormat(name: string, check: FormatCheck): void {
  registry.set(name, check);
}

export function hasFormat(name: string): boolean {
  return registry.has(name);
}

/** PVE::Tools::split_list: separators are commas, semicolons and whitespace. */
export function splitList(text: string): string[] {
  if (text.includes('\0')) return text.split('\0');
  const t = text.replace(/[,;]/g, ' ').trimStart();
  return t === '' ? [] : t.split(/\s+/).filter((s) => s !== '');
}

function run(check: FormatCheck, value: string): string | undefined {
  try {
    const r = check(value);
    return typeof r === 'string' ? r : undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/**
 * Validates `value` against format `name`, following JSONSchema.pm `check_format`: `X-list` and
 * `X-alist` check every list element with `X`, `X-opt` allows the empty string. Unknown formats
 * pass: the simulator only enforces the formats it knows.
 * @returns the error text with a trailing newline, or undefined when valid.
 */
export function checkFormat(name: string, value: string): string | undefined {
  let msg: string | undefined;
  const direct = registry.get(name);
  if (direct) {
    msg = run(direct, value);
  } else {
    const list = /^(.*)-a?list$/.exec(name);
    const opt = /^(.*)-opt$/.exec(name);
    if (list?.[1] !== undefined) {
      const check = registry.get(list[1]);
      if (!check) return undefined;
      for (const v of splitList(value)) {
        msg = run(check, v);
        if (msg !== undefined) break;
      }
    } else if (opt?.[1] !== undefined) {
      const check = registry.get(opt[1]);
      if (!check || value === '') return undefined;
      msg = run(check, value);
    }
  }
  if (msg === undefined) return undefined;
  return msg.endsWith('\n') ? msg : `${msg}\n`;
}

const IPV4_OCTET = '(?:25[0-5]|(?:2[0-4]|1[0-9]|[1-9])?[0-9])';
const IPV4_RE = new RegExp(`^${IPV4_OCTET}(?:\\.${IPV4_OCTET}){3}$`);
const DNS_LABEL = '([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)';
const DNS_RE = new RegExp(`^(${DNS_LABEL}\\.)*${DNS_LABEL}$`);

export function isIpv4(v: string): boolean {
  return IPV4_RE.test(v);
}

/** pve-common's `$IPV6RE` has no zone index: `fe80::1%eth0` is not an IPv6 address. */
function isIPv6(v: string): boolean {
  return !v.includes('%') && nodeIsIPv6(v);
}

function cidrBits(v: string, family: 4 | 6): number | undefined {
  const m = /^([^/]+)\/(\d+)$/.exec(v);
  if (!m?.[1] || m[2] === undefined) return undefined;
  if (family === 4 ? !isIpv4(m[1]) : !isIPv6(m[1])) return undefined;
  const bits = Number(m[2]);
  const max = family === 4 ? 32 : 128;
  return bits > 7 && bits <= max ? bits : undefined;
}

const IPV4_MASKS = new Set([
  '0.0.0.0',
  ...Array.from({ length: 32 }, (_, i) => {
    const n = (0xffffffff << (31 - i)) >>> 0;
    return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
  }),
]);

function fail(ok: boolean, message: string): string | undefined {
  return ok ? undefined : message;
}

registerFormat('string', () => undefined);
registerFormat('urlencoded', (v) =>
  fail(/^[-%a-zA-Z0-9_.!~*'()]*$/.test(v), `invalid urlencoded string: ${v}`),
);
registerFormat('pve-configid', (v) =>
  fail(/^[a-z][a-z0-9_-]+$/i.test(v), `invalid configuration ID '${v}'`),
);
registerFormat('pve-storage-id', (v) =>
  fail(/^[a-z][a-z0-9\-_.]*[a-z0-9]$/i.test(v), `storage ID '${v}' contains illegal characters`),
);
registerFormat('pve-vmid', (v) =>
  fail(/^[1-9][0-9]{2,8}$/.test(v), 'value does not look like a valid VM ID'),
);
registerFormat('pve-node', (v) =>
  fail(
    /^([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)$/.test(v),
    'value does not look like a valid node name',
  ),
);
registerFormat('ipv4', (v) => fail(isIpv4(v), 'value does not look like a valid IPv4 address'));
registerFormat('ipv6', (v) => fail(isIPv6(v), 'value does not look like a valid IPv6 address'));
registerFormat('ip', (v) =>
  fail(isIpv4(v) || isIPv6(v), 'value does not look like a valid IP address'),
);
registerFormat('ipv4mask', (v) =>
  fail(IPV4_MASKS.has(v), 'value does not look like a valid IP netmask'),
);
registerFormat('CIDRv4', (v) =>
  fail(cidrBits(v, 4) !== undefined, 'value does not look like a valid IPv4 CIDR network'),
);
registerFormat('CIDRv6', (v) =>
  fail(cidrBits(v, 6) !== undefined, 'value does not look like a valid IPv6 CIDR network'),
);
registerFormat('CIDR', (v) =>
  fail(
    cidrBits(v, 4) !== undefined || cidrBits(v, 6) !== undefined,
    'value does not look like a valid CIDR network',
  ),
);
registerFormat('IPorCIDR', (v) =>
  fail(
    isIpv4(v) || isIPv6(v) || cidrBits(v, 4) !== undefined || cidrBits(v, 6) !== undefined,
    'value does not look like a valid IP address or CIDR network',
  ),
);
registerFormat('email', (v) =>
  fail(
    /^(\w+)([-+.][\w]+)*@(\w[-\w]*\.){1,5}([A-Za-z]){2,63}$/.test(v),
    'value does not look like a valid email address',
  ),
);
registerFormat('dns-name', (v) =>
  fail(DNS_RE.test(v), 'value does not look like a valid DNS name'),
);
registerFormat('address', (v) =>
  fail(isIpv4(v) || isIPv6(v) || DNS_RE.test(v), `value does not look like a valid address: ${v}`),
);
registerFormat('pve-iface', (v) =>
  fail(/^[a-z][a-z0-9_]{1,20}([:.]\d+)?$/i.test(v), `invalid network interface name '${v}'`),
);
registerFormat('mac-addr', (v) =>
  fail(
    // The I/G (multicast) bit must be clear.
    /^[a-f0-9][02468ace](?::[a-f0-9]{2}){5}$/i.test(v),
    'value does not look like a valid unicast MAC address',
  ),
);
registerFormat('disk-size', (v) =>
  fail(/^(\d+(\.\d+)?)([KMGT])?$/.test(v), `value does not look like a valid disk size: ${v}`),
);
registerFormat('pve-volume-id', (v) =>
  fail(/^([a-z][a-z0-9\-_.]*[a-z0-9]):(.+)$/i.test(v), `unable to parse volume ID '${v}'`),
);
registerFormat('pve-userid', (v) =>
  fail(
    /^[^\s:/]+@[A-Za-z][A-Za-z0-9.\-_]+$/.test(v),
    `value '${v}' does not look like a valid user name`,
  ),
);
registerFormat('pve-realm', (v) =>
  fail(/^[A-Za-z][A-Za-z.\-_]+$/.test(v), `value '${v}' does not look like a valid realm`),
);
registerFormat('pve-tag', (v) =>
  fail(/^[a-z0-9_][a-z0-9_\-+.]*$/i.test(v), 'invalid characters in tag'),
);
registerFormat('pve-vlan-id-or-range', (v) => {
  const m = /^(\d+)(-(\d+))?$/.exec(v);
  if (!m) return `invalid VLAN configuration '${v}'`;
  for (const tag of [m[1], m[3]]) {
    if (tag !== undefined && (Number(tag) < 2 || Number(tag) > 4094))
      return `invalid VLAN tag '${tag}'`;
  }
  if (m[3] !== undefined && Number(m[3]) <= Number(m[1]))
    return `VLAN range must go from lower to higher tag '${v}'`;
  return undefined;
});
registerFormat('pve-task-status-type', (v) =>
  fail(/^(ok|error|warning|unknown)$/i.test(v), `invalid status '${v}'`),
);

/**
 * `pve_parse_startup_order`: comma-separated `[order=]N`, `up=N`, `down=N`; an empty (or `0`,
 * Perl-false) value does not parse either.
 */
registerFormat('pve-startup-order', (v) => {
  const parses =
    v !== '' &&
    v !== '0' &&
    v.split(',').every((p) => /^\s*$|^(order=)?\d+$|^(up|down)=\d+$/.test(p));
  return fail(parses, 'unable to parse startup options');
});
