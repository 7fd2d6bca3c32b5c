/** Seeded random rule lists for the planner's property test and benchmark (no dependency). */
import { ruleComment } from '../../../src/kinds/firewall-policy/marker.js';
import type { StoredRule } from '../../../src/kinds/firewall-policy/rule-params.js';
import type { DesiredRule } from '../../../src/kinds/firewall-policy/rule-plan.js';

/** mulberry32: a float in [0, 1) per call. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Packet {
  proto: string;
  dport: string;
  source: string;
}

const PROTOS = ['tcp', 'udp'];
const PORTS = ['22', '80', '443'];
const SOURCES = ['10.0.0.0/24', '10.1.0.0/24'];

export const PACKETS: Packet[] = PROTOS.flatMap((proto) =>
  PORTS.flatMap((dport) => SOURCES.map((source) => ({ proto, dport, source }))),
);

const pick = <T>(rng: () => number, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;

function randomRule(rng: () => number, comment: string): StoredRule {
  const r: StoredRule = {
    type: 'in',
    action: pick(rng, ['ACCEPT', 'ACCEPT', 'DROP', 'REJECT']),
    enable: rng() < 0.85 ? 1 : 0,
    comment,
  };
  if (rng() < 0.8) {
    r.proto = pick(rng, PROTOS);
    if (rng() < 0.7) r.dport = pick(rng, PORTS);
  }
  if (rng() < 0.3) r.source = pick(rng, SOURCES);
  return r;
}

/** First match over the packet domain; no match falls to policy DROP. */
export function acceptedProbes(
  rules: readonly StoredRule[],
  packets: readonly Packet[],
): Set<string> {
  const out = new Set<string>();
  for (const p of packets) {
    const hit = rules.find(
      (r) =>
        Number(r.enable ?? 1) !== 0 &&
        (r.proto === undefined || r.proto === p.proto) &&
        (r.dport === undefined || r.dport === p.dport) &&
        (r.source === undefined || r.source === p.source),
    );
    if (hit?.action === 'ACCEPT') out.add(`${p.proto}/${p.dport}/${p.source}`);
  }
  return out;
}

export function randomLists(
  rng: () => number,
  size = 8,
): { current: StoredRule[]; desired: DesiredRule[]; packets: Packet[] } {
  const names = Array.from({ length: size }, (_, i) => `r${i}`);
  const current: StoredRule[] = [];
  const n = Math.floor(rng() * (size + 1));
  for (let i = 0; i < n; i++) {
    current.push(
      rng() < 0.25
        ? randomRule(rng, `hand ${i}`)
        : randomRule(rng, ruleComment(pick(rng, ['p', 'p', 'p', 'other']), pick(rng, names))),
    );
  }
  const wanted = names.filter(() => rng() < 0.6);
  // Shuffle (Fisher-Yates).
  for (let i = wanted.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [wanted[i], wanted[j]] = [wanted[j]!, wanted[i]!];
  }
  const desired = wanted.map((key) => {
    // Often keep an existing rule's fields (so moves and no-ops happen), sometimes change them.
    const existing = current.find((r) => r.comment === ruleComment('p', key));
    const rule = existing && rng() < 0.6 ? { ...existing } : randomRule(rng, ruleComment('p', key));
    return { key, rule };
  });
  return { current, desired, packets: PACKETS };
}
