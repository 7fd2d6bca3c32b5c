/**
 * The entry point: from the firewall as Proxmox holds it to the effective matrix, for new IPv4
 * connections from each source row to each guest NIC. Pure: no I/O, no clock.
 */
import { classes, spanText, type Span } from './addresses.js';
import type { ChainRule } from './chain.js';
import { evaluate, type NicChain } from './evaluate.js';
import type {
  MatrixCell,
  MatrixDestination,
  Outcome,
  Probe,
  ProbeResult,
  ReachabilityMatrix,
} from './matrix.js';
import { NicChains, nicAddress } from './nic-chains.js';
import { probesFor } from './probes.js';
import { guestLabel, nicRegion, sourceRows, type SourceRow } from './sources.js';
import type { FirewallWorld } from './world.js';

export interface ReachabilityOptions {
  /** Only these guests as destinations (e.g. those a FirewallPolicy selects). @default all */
  vmids?: number[];
}

/** What pve-firewall accepts before any rule (Firewall.pm), stated rather than probed. */
export const ALWAYS_ALLOWED: readonly string[] = [
  'replies: PVEFW-FORWARD accepts RELATED,ESTABLISHED before any guest chain (the matrix shows new connections only)',
  'DHCP replies (udp 67 -> 68) into a guest unless its option dhcp is 0',
  'with policy DROP or REJECT: ICMP fragmentation-needed and time-exceeded (PVEFW-Drop/PVEFW-Reject)',
  'IPv6 neighbor discovery unless the option ndp is 0 (the matrix probes IPv4)',
];

interface Dest {
  row: MatrixDestination;
  region: Span[];
  into: NicChain;
}

function edgesOf(rules: ChainRule[], chains: NicChain[], regions: Span[][]): Span[] {
  return [
    ...rules.flatMap((r) => [...(r.source?.spans ?? []), ...(r.dest?.spans ?? [])]),
    ...chains.flatMap((c) => [...(c.blacklist?.spans ?? []), ...(c.ipfilter?.set.spans ?? [])]),
    ...regions.flat(),
  ];
}

function probeResult(
  probe: Probe,
  pairs: { src: Span; dst: Span }[],
  out: NicChain | undefined,
  into: NicChain,
): ProbeResult {
  const byKey = new Map<string, { outcome: Outcome; from: Set<string>; to: Set<string> }>();
  for (const { src, dst } of pairs) {
    const outcome = evaluate(out, into, { v: src.v, src: src.lo, dst: dst.lo, probe });
    const key = JSON.stringify(outcome);
    const entry = byKey.get(key) ?? { outcome, from: new Set(), to: new Set() };
    entry.from.add(spanText(src));
    entry.to.add(spanText(dst));
    byKey.set(key, entry);
  }
  const groups = [...byKey.values()];
  const only = groups.length === 1 ? groups[0] : undefined;
  if (only) return { probe, verdict: only.outcome.verdict, steps: only.outcome.steps };
  return {
    probe,
    verdict: 'mixed',
    parts: groups.map((g) => ({ from: [...g.from], to: [...g.to], ...g.outcome })),
  };
}

/** Undefined when the two share no IP version (an IPv6-only NIC and an IPv4 row). */
function cell(source: SourceRow, dest: Dest, chains: NicChains): MatrixCell | undefined {
  const out = source.guest ? chains.chain(source.guest.guest, source.guest.nic, 'out') : undefined;
  const rules = [...(out?.rules ?? []), ...dest.into.rules];
  const edges = edgesOf(rules, out ? [out, dest.into] : [dest.into], [source.region, dest.region]);
  const member = source.member;
  const srcClasses = classes(source.region, edges).filter(
    (s) => !member || member.contains(s.v, s.lo),
  );
  const dstClasses = classes(dest.region, edges);
  const pairs = srcClasses.flatMap((src) =>
    dstClasses.filter((dst) => dst.v === src.v).map((dst) => ({ src, dst })),
  );
  if (pairs.length === 0) return undefined;
  const results = probesFor(rules).map((p) => probeResult(p, pairs, out, dest.into));
  return { from: source.row.id, to: dest.row.id, results };
}

export function reachability(
  world: FirewallWorld,
  options: ReachabilityOptions = {},
): ReachabilityMatrix {
  const chains = new NicChains(world);
  const extra: string[] = [];
  const sources = sourceRows(world, chains.clusterScope, (m) => extra.push(m));
  const dests: Dest[] = [];
  for (const guest of world.guests) {
    if (options.vmids && !options.vmids.includes(guest.vmid)) continue;
    for (const nic of guest.nics) {
      const into = chains.chain(guest, nic, 'in');
      const { region } = nicRegion(world, nic);
      const row: MatrixDestination = {
        id: `guest:${guest.vmid}/${nic.name}`,
        label: guestLabel(guest),
        vmid: guest.vmid,
        node: guest.node,
        nic: nic.name,
        bridge: nic.bridge,
        addresses: [nicAddress(nic) ?? nic.ip ?? 'none'],
        filtered: into.notFiltered.length === 0,
        notFiltered: into.notFiltered,
      };
      if (guest.name) row.name = guest.name;
      dests.push({ row, region, into });
    }
  }
  const cells: MatrixCell[] = [];
  for (const source of sources) {
    for (const dest of dests) {
      if (source.row.id === dest.row.id) continue;
      const c = cell(source, dest, chains);
      if (c) cells.push(c);
    }
  }
  return {
    sources: sources.map((s) => s.row),
    destinations: dests.map((d) => d.row),
    cells,
    alwaysAllowed: [...ALWAYS_ALLOWED],
    notes: [...chains.notes, ...extra],
  };
}
