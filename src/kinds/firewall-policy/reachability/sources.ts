/**
 * The rows of the matrix: each bridge's subnet, each guest NIC, each cluster IP set and alias, and
 * "any other address" (IPv4 outside every bridge subnet and guest address; IP sets and aliases
 * may overlap it).
 */
import {
  parseSpan,
  tryParseSpan,
  resolveAddr,
  subtract,
  union,
  type AddrScope,
  type AddrSet,
  type Span,
} from './addresses.js';
import type { MatrixSource } from './matrix.js';
import { nicAddress } from './nic-chains.js';
import type { FirewallGuest, FirewallWorld, GuestNic } from './world.js';

export interface SourceRow {
  row: MatrixSource;
  region: Span[];
  /** For IP sets: only the classes the set holds belong to the row. */
  member?: AddrSet;
  guest?: { guest: FirewallGuest; nic: GuestNic };
}

function bridgeSpan(world: FirewallWorld, bridge: string): Span | undefined {
  const cidr = world.bridges.find((b) => b.name === bridge)?.cidr;
  return cidr ? tryParseSpan(cidr) : undefined;
}

/** Where a NIC's address lies: its static IP, else anywhere in its bridge's subnet. */
export function nicRegion(world: FirewallWorld, nic: GuestNic): { region: Span[]; note?: string } {
  const ip = nicAddress(nic);
  if (ip) return { region: [parseSpan(ip)] };
  const span = bridgeSpan(world, nic.bridge);
  const how = nic.ip ?? 'no ip';
  if (span)
    return { region: [span], note: `address unknown (${how}): any in ${nic.bridge}'s subnet` };
  return { region: [parseSpan('0.0.0.0/0')], note: `address unknown (${how}): any IPv4 address` };
}

export function guestLabel(guest: FirewallGuest): string {
  return `${guest.type === 'lxc' ? 'ct' : 'vm'} ${guest.vmid}${guest.name ? ` (${guest.name})` : ''}`;
}

export function sourceRows(
  world: FirewallWorld,
  scope: AddrScope,
  warn: (m: string) => void,
): SourceRow[] {
  const rows: SourceRow[] = [];
  for (const b of world.bridges) {
    if (!b.cidr) continue;
    const span = tryParseSpan(b.cidr);
    if (!span) {
      warn(`bridge ${b.name}: cidr '${b.cidr}' is not an address, left out`);
      continue;
    }
    rows.push({
      row: {
        id: `bridge:${b.name}`,
        kind: 'bridge',
        label: `${b.name} subnet`,
        addresses: [b.cidr],
      },
      region: [span],
    });
  }
  for (const guest of world.guests) {
    for (const nic of guest.nics) {
      const { region, note } = nicRegion(world, nic);
      const row: MatrixSource = {
        id: `guest:${guest.vmid}/${nic.name}`,
        kind: 'guest',
        label: `${guestLabel(guest)} ${nic.name}`,
        addresses: [nicAddress(nic) ?? nic.ip ?? 'none'],
      };
      if (note) row.note = note;
      rows.push({ row, region, guest: { guest, nic } });
    }
  }
  for (const [name, entries] of Object.entries(world.cluster.ipsets)) {
    if (entries.length === 0) continue;
    try {
      const member = resolveAddr(`+dc/${name}`, scope);
      const region = union(member.spans);
      const addresses = entries.map((e) => (e.nomatch ? `!${e.cidr}` : e.cidr));
      rows.push({
        row: { id: `ipset:${name}`, kind: 'ipset', label: `+${name}`, addresses },
        region,
        member,
      });
    } catch (err) {
      warn(`cluster IP set ${name}: ${(err as Error).message}`);
    }
  }
  for (const a of world.cluster.aliases) {
    try {
      rows.push({
        row: { id: `alias:${a.name}`, kind: 'alias', label: a.name, addresses: [a.cidr] },
        region: [parseSpan(a.cidr)],
      });
    } catch (err) {
      warn(`cluster alias ${a.name}: ${(err as Error).message}`);
    }
  }
  const known = rows
    .filter((r) => r.row.kind === 'bridge' || r.row.kind === 'guest')
    .flatMap((r) => r.region);
  const other = subtract(
    parseSpan('0.0.0.0/0'),
    known.filter((s) => s.lo !== 0n || s.hi !== 0xffffffffn),
  );
  rows.push({
    row: {
      id: 'other',
      kind: 'other',
      label: 'any other address',
      addresses: ['IPv4 outside every bridge subnet and guest address'],
    },
    region: other,
  });
  return rows;
}
