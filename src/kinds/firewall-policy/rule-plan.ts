/**
 * Planning one rule list (the heart of the kind, pure): from the list as read and the ordered rules
 * pxr wants, the calls that get there — minimal, and ordered so that no intermediate state lets in
 * what neither end lets in (rule-safety.ts).
 *
 * pve-firewall's rules have no identity but their position: pxr's carry a marker (marker.ts), so
 * `key` is the rule's name when it is one of this policy's rules. The target list keeps every rule
 * pxr does not manage (merge mode) in its relative order, keeps the longest run of pxr's rules that
 * is already in the desired order where it is (the anchors), and puts each other pxr rule right
 * after its predecessor in the desired order (the first one on top, where `POST` inserts anyway).
 * So the calls are: one DELETE per rule that goes, one PUT per rule whose fields differ, one POST
 * per missing rule, and one move (`PUT moveto`) per rule outside the anchors — missing rules at the
 * very top are created bottom-up and need none.
 *
 * Order: among the pending calls, the first in this preference whose resulting state is safe —
 * deleting a rule that lets traffic through, updating, creating a blocking rule, moving, creating
 * a rule that lets traffic through, deleting a blocking rule. When none is safe, a missing rule is
 * created disabled and enabled once in place (one more call), or a rule is disabled before it
 * moves; `unsafe` counts the steps taken anyway when even that does not help.
 */
import { isSafeState, probesFor } from './rule-safety.js';
import { sameRule, type StoredRule } from './rule-params.js';

export interface CurrentRule {
  rule: StoredRule;
  /** This policy's rule name, from the marker; undefined for any other rule. */
  key?: string;
  /** Marked by another FirewallPolicy that exists: never removed, even by an authoritative policy. */
  otherPolicy?: string;
}

export interface DesiredRule {
  key: string;
  rule: StoredRule;
}

export interface RulePlanOptions {
  /** Remove every rule that is not this policy's (the level is owned). */
  authoritative?: boolean;
  /** Keys left exactly as they are (held drift): neither created, updated, moved nor deleted. */
  hold?: ReadonlySet<string>;
  /** Keep foreign rules even in authoritative mode (their removal is held). */
  keepForeign?: boolean;
  /** Do not move existing rules (order drift held); missing rules are still placed. */
  keepOrder?: boolean;
  /** Other FirewallPolicies: their marked rules are read as theirs (see `CurrentRule`). */
  otherPolicies?: ReadonlySet<string>;
}

export type RuleOp =
  | { op: 'create'; key: string; rule: StoredRule }
  | { op: 'update'; pos: number; key: string; from: StoredRule; rule: StoredRule }
  | { op: 'move'; pos: number; moveto: number; key: string }
  | { op: 'delete'; pos: number; key?: string; rule: StoredRule };

export interface RulePlan {
  ops: RuleOp[];
  /** The list after the ops (what the planner expects to read back). */
  final: StoredRule[];
  /** The list expected after each op (`after[i]` follows `ops[i]`). */
  after: StoredRule[][];
  /** Steps that could not be ordered safely. */
  unsafe: number;
}

interface Item {
  id: string;
  rule: StoredRule;
  key?: string;
  otherPolicy?: string;
}

/** Longest increasing subsequence (indices into `xs`). */
function lis(xs: readonly number[]): Set<number> {
  const tails: number[] = [];
  const prev: number[] = new Array<number>(xs.length).fill(-1);
  for (let i = 0; i < xs.length; i++) {
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (xs[tails[mid]!]! < xs[i]!) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) prev[i] = tails[lo - 1]!;
    tails[lo] = i;
  }
  const out = new Set<number>();
  let k = tails.length > 0 ? tails[tails.length - 1]! : -1;
  while (k >= 0) {
    out.add(k);
    k = prev[k]!;
  }
  return out;
}

const LETS_THROUGH = (r: StoredRule): boolean => r.type === 'group' || r.action === 'ACCEPT';

export function planRuleList(
  current: readonly CurrentRule[],
  desiredIn: readonly DesiredRule[],
  opts: RulePlanOptions = {},
): RulePlan {
  const hold = opts.hold ?? new Set<string>();
  const items: Item[] = current.map((c, i) => ({
    id: `c${i}`,
    rule: c.rule,
    ...(c.key ? { key: c.key } : {}),
    ...(c.otherPolicy ? { otherPolicy: c.otherPolicy } : {}),
  }));
  const desiredKeys = new Set(desiredIn.map((d) => d.key));
  // A held rule that is absent is not created; a held rule present keeps its fields.
  const present = new Set(items.flatMap((i) => (i.key ? [i.key] : [])));
  const desired = desiredIn.filter((d) => !hold.has(d.key) || present.has(d.key));

  const deletes = new Set<string>();
  const byKey = new Map<string, Item>();
  for (const it of items) {
    if (it.key === undefined) {
      if (opts.authoritative && !opts.keepForeign && !it.otherPolicy) deletes.add(it.id);
      continue;
    }
    if (hold.has(it.key) && !desiredKeys.has(it.key)) continue;
    if (!desiredKeys.has(it.key) || byKey.has(it.key)) {
      deletes.add(it.id);
      continue;
    }
    byKey.set(it.key, it);
  }
  const want = new Map(
    desired.map((d) => [d.key, hold.has(d.key) ? (byKey.get(d.key)?.rule ?? d.rule) : d.rule]),
  );
  const index = new Map(desired.map((d, i) => [d.key, i]));

  // Anchors: the longest run of kept rules already in desired order.
  const kept = items.filter((i) => i.key !== undefined && byKey.get(i.key) === i);
  const anchorIdx = opts.keepOrder
    ? new Set(kept.map((_, i) => i))
    : lis(kept.map((i) => index.get(i.key!)!));
  const anchors = new Set(kept.filter((_, i) => anchorIdx.has(i)).map((i) => i.id));

  // The target list.
  const idOf = (key: string): string => byKey.get(key)?.id ?? `n:${key}`;
  const target = items
    .filter(
      (i) =>
        !deletes.has(i.id) &&
        (i.key === undefined || anchors.has(i.id) || (hold.has(i.key) && !desiredKeys.has(i.key))),
    )
    .map((i) => i.id);
  desired.forEach((d, k) => {
    const id = idOf(d.key);
    if (anchors.has(id)) return;
    const at = k === 0 ? 0 : target.indexOf(idOf(desired[k - 1]!.key)) + 1;
    target.splice(at, 0, id);
  });
  const predOf = new Map(target.map((id, i) => [id, i === 0 ? undefined : target[i - 1]]));
  const inTarget = new Set(target);

  const finalRule = (id: string): StoredRule => {
    const it = items.find((i) => i.id === id);
    if (it?.key !== undefined && want.has(it.key)) return want.get(it.key)!;
    if (it) return it.rule;
    return want.get(id.slice(2))!;
  };
  const final = target.map(finalRule);
  const before = items.map((i) => i.rule);
  const probes = probesFor([...before, ...final]);

  // Pending work.
  const updates = new Map<string, StoredRule>();
  for (const [key, it] of byKey) {
    const w = want.get(key);
    if (w && !sameRule(it.rule, w)) updates.set(it.id, w);
  }
  const creates = new Set(desired.filter((d) => !byKey.has(d.key)).map((d) => d.key));
  const movable = new Set(
    target.filter(
      (id) =>
        !anchors.has(id) &&
        (id.startsWith('n:') || byKey.get(items.find((i) => i.id === id)?.key ?? '')?.id === id),
    ),
  );

  let state: Item[] = items.map((i) => ({ ...i }));
  const ops: RuleOp[] = [];
  const afterOps: StoredRule[][] = [];
  let unsafe = 0;

  const inPlace = (s: Item[], id: string): boolean => {
    const at = s.findIndex((i) => i.id === id);
    let prev: string | undefined;
    for (let j = at - 1; j >= 0; j--) {
      if (inTarget.has(s[j]!.id)) {
        prev = s[j]!.id;
        break;
      }
    }
    return prev === predOf.get(id);
  };

  const settled = (id: string): boolean => {
    if (!movable.has(id)) return true;
    if (!state.some((i) => i.id === id) || !inPlace(state, id)) return false;
    const pred = predOf.get(id);
    return pred === undefined ? creates.size === 0 : settled(pred);
  };
  let topRunEnd = 0;
  while (topRunEnd < target.length && target[topRunEnd]!.startsWith('n:')) topRunEnd++;
  const topRun = new Set(target.slice(0, topRunEnd).map((id) => id.slice(2)));

  interface Step {
    op: RuleOp;
    next: Item[];
    done(): void;
  }
  const rulesOf = (s: Item[]): StoredRule[] => s.map((i) => i.rule);

  const candidates = (): Step[][] => {
    const delAccept: Step[] = [];
    const delBlock: Step[] = [];
    const upd: Step[] = [];
    const crBlock: Step[] = [];
    const crAccept: Step[] = [];
    const mv: Step[] = [];
    for (const id of deletes) {
      const pos = state.findIndex((i) => i.id === id);
      const it = state[pos]!;
      const step: Step = {
        op: { op: 'delete', pos, rule: it.rule, ...(it.key ? { key: it.key } : {}) },
        next: state.filter((i) => i.id !== id),
        done: () => deletes.delete(id),
      };
      (LETS_THROUGH(it.rule) ? delAccept : delBlock).push(step);
    }
    for (const [id, rule] of updates) {
      const pos = state.findIndex((i) => i.id === id);
      if (pos < 0) continue;
      const it = state[pos]!;
      upd.push({
        op: { op: 'update', pos, key: it.key!, from: it.rule, rule },
        next: state.map((i) => (i.id === id ? { ...i, rule } : i)),
        done: () => updates.delete(id),
      });
    }
    // The missing run at the very top is created last and bottom-up, so it lands in order
    // without moves; any other missing rule is created (in any order) and then moved.
    const others = [...creates].filter((k) => !topRun.has(k));
    const order =
      others.length > 0
        ? others
        : [...creates]
            .sort((a, b) => target.indexOf(`n:${b}`) - target.indexOf(`n:${a}`))
            .slice(0, 1);
    for (const key of order) {
      const rule = want.get(key)!;
      const step: Step = {
        op: { op: 'create', key, rule },
        next: [{ id: `n:${key}`, rule, key }, ...state],
        done: () => creates.delete(key),
      };
      (LETS_THROUGH(rule) && Number(rule.enable ?? 1) !== 0 ? crAccept : crBlock).push(step);
    }
    for (const id of movable) {
      const pos = state.findIndex((i) => i.id === id);
      if (pos < 0 || inPlace(state, id)) continue;
      const pred = predOf.get(id);
      // Only next to a rule that will not move again (else this rule would move twice); the top
      // only once nothing more is created there.
      if (pred === undefined ? creates.size > 0 : !settled(pred)) continue;
      const pidx = pred === undefined ? -1 : state.findIndex((i) => i.id === pred);
      if (pred !== undefined && pidx < 0) continue;
      const moveto = pidx + 1;
      if (moveto === pos) continue;
      const it = state[pos]!;
      const without = state.filter((i) => i.id !== id);
      const at = pidx < pos ? pidx + 1 : pidx;
      const next = [...without.slice(0, at), it, ...without.slice(at)];
      mv.push({ op: { op: 'move', pos, moveto, key: it.key! }, next, done: () => undefined });
    }
    return [delAccept, upd, crBlock, mv, crAccept, delBlock];
  };

  for (let guard = 0; guard < 10_000; guard++) {
    const groups = candidates();
    const all = groups.flat();
    if (all.length === 0) break;
    let pick = all.find((s) => isSafeState(rulesOf(s.next), before, final, probes));
    if (!pick) {
      // Create disabled (inert anywhere), enable once in place: one more call, never unsafe.
      const key =
        [...creates].filter((k) => !topRun.has(k))[0] ??
        [...creates].sort((a, b) => target.indexOf(`n:${b}`) - target.indexOf(`n:${a}`))[0];
      if (key !== undefined) {
        const rule = { ...want.get(key)!, enable: 0 };
        updates.set(`n:${key}`, want.get(key)!);
        pick = {
          op: { op: 'create', key, rule },
          next: [{ id: `n:${key}`, rule, key }, ...state],
          done: () => creates.delete(key),
        };
      } else {
        unsafe++;
        pick = all[0]!;
      }
    }
    ops.push(pick.op);
    pick.done();
    state = pick.next;
    afterOps.push(rulesOf(state));
  }
  return { ops, final, after: afterOps, unsafe };
}

/** Calls a delete-everything-and-recreate approach would make (the benchmark's baseline). */
export function recreateCallCount(
  current: readonly CurrentRule[],
  desired: readonly DesiredRule[],
  authoritative = false,
): number {
  const dels = current.filter((c) => c.key !== undefined || authoritative).length;
  return dels + desired.length;
}
