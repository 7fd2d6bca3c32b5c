/**
 * Small Perl semantics the network code depends on: Proxmox's handlers test values for truth the Perl
 * way, so `"0"` and `""` are false (a `bridge_vlan_aware: 0` is still *defined*, which matters).
 */
export function perlTrue(v: unknown): boolean {
  if (v === undefined || v === null || v === false) return false;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') return v !== '' && v !== '0';
  return true;
}

/** A scalar as Perl would interpolate it (undef → ''); records only hold strings and numbers. */
export function str(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return v === undefined || v === null ? '' : JSON.stringify(v);
}

/** `PVE::Tools::split_list`: items separated by spaces, commas or semicolons. */
export function splitList(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  return str(v)
    .split(/[\s,;]+/)
    .filter((s) => s !== '');
}

/** Perl `split(/\s+/, $s)`: a leading separator yields a leading empty field, trailing ones are dropped. */
export function splitWhitespace(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  const parts = str(v).split(/\s+/);
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

const NETMASK_BITS: Record<string, number> = Object.fromEntries(
  Array.from({ length: 33 }, (_, bits) => [bitsToNetmask(bits), bits]),
);

function bitsToNetmask(bits: number): string {
  const n = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return [24, 16, 8, 0].map((s) => (n >>> s) & 0xff).join('.');
}

/**
 * `PVE::JSONSchema::get_netmask_bits`: dotted mask → prefix length. The table starts at /1, so
 * `0.0.0.0` is unknown (undef) as in Perl.
 */
export function netmaskBits(mask: string): number | undefined {
  const bits = NETMASK_BITS[mask];
  return bits === undefined || bits === 0 ? undefined : bits;
}
