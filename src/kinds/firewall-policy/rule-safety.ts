/**
 * When is an intermediate rule list safe? pxr's model of first-match evaluation, used by the rule
 * planner to order its calls: a state is safe when, for every probe packet, it either does not let
 * the packet through (DROP, REJECT) or decides exactly as the old or the new list does. So a pass
 * never opens anything that neither end opens.
 *
 * Probes are built from the values the rules mention (for each match field: each value seen, or
 * none of them), so every combination of matching rules is probed. Values are compared as text (a
 * port range and a port inside it count as different), and a `group` rule jumps to a verdict of its
 * own (`GROUP:<name>`): the model stays conservative and needs no knowledge of macros or IP sets.
 */
import type { StoredRule } from './rule-params.js';

const MATCH_FIELDS = [
  'macro',
  'iface',
  'source',
  'dest',
  'proto',
  'dport',
  'sport',
  'icmp-type',
] as const;
const NONE = '\u0000none';
/** Above this many probes, only single rules and pairs are probed. */
const MAX_PROBES = 1024;

export type Probe = Record<string, string>;
export type Verdict = string;

function val(r: StoredRule, f: string): string | undefined {
  const v = (r as Record<string, unknown>)[f];
  if (typeof v === 'number') return String(v);
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function enabled(r: StoredRule): boolean {
  return Number(r.enable ?? 1) !== 0;
}

function matches(r: StoredRule, p: Probe): boolean {
  if (!enabled(r)) return false;
  if (r.type === 'group') return true;
  if (r.type !== p['dir']) return false;
  return MATCH_FIELDS.every((f) => {
    const v = val(r, f);
    return v === undefined || v === p[f];
  });
}

/** The first enabled matching rule decides; no match falls to the level's policy. */
export function verdict(rules: readonly StoredRule[], p: Probe): Verdict {
  for (const r of rules) {
    if (matches(r, p)) return r.type === 'group' ? `GROUP:${r.action}` : r.action;
  }
  return 'POLICY';
}

/** Probes covering every combination of the values the rules mention. */
export function probesFor(rules: readonly StoredRule[]): Probe[] {
  const values = new Map<string, Set<string>>();
  for (const f of MATCH_FIELDS) values.set(f, new Set([NONE]));
  for (const r of rules) {
    for (const f of MATCH_FIELDS) {
      const v = val(r, f);
      if (v !== undefined) values.get(f)!.add(v);
    }
  }
  let size = 2;
  for (const s of values.values()) size *= s.size;
  const out: Probe[] = [];
  if (size <= MAX_PROBES) {
    let acc: Probe[] = [{ dir: 'in' }, { dir: 'out' }];
    for (const f of MATCH_FIELDS) {
      const next: Probe[] = [];
      for (const p of acc) for (const v of values.get(f)!) next.push({ ...p, [f]: v });
      acc = next;
    }
    return acc;
  }
  // Too many combinations: each rule alone and each pair that can match one packet.
  const fieldsOf = (r: StoredRule): Probe => {
    const p: Probe = { dir: r.type };
    for (const f of MATCH_FIELDS) p[f] = val(r, f) ?? NONE;
    return p;
  };
  const concrete = rules.filter((r) => r.type !== 'group');
  for (const a of concrete) out.push(fieldsOf(a));
  for (const [i, a] of concrete.entries()) {
    for (const b of concrete.slice(i + 1)) {
      if (a.type !== b.type) continue;
      const p: Probe = { dir: a.type };
      let ok = true;
      for (const f of MATCH_FIELDS) {
        const va = val(a, f);
        const vb = val(b, f);
        if (va !== undefined && vb !== undefined && va !== vb) ok = false;
        p[f] = va ?? vb ?? NONE;
      }
      if (ok) out.push(p);
    }
  }
  for (const dir of ['in', 'out']) {
    const p: Probe = { dir };
    for (const f of MATCH_FIELDS) p[f] = NONE;
    out.push(p);
  }
  return out;
}

const BLOCKING = new Set(['DROP', 'REJECT']);

/** Whether `state` lets through nothing that neither `before` nor `after` would. */
export function isSafeState(
  state: readonly StoredRule[],
  before: readonly StoredRule[],
  after: readonly StoredRule[],
  probes: readonly Probe[],
): boolean {
  return probes.every((p) => {
    const v = verdict(state, p);
    return BLOCKING.has(v) || v === verdict(before, p) || v === verdict(after, p);
  });
}
