/**
 * Carrying out a rule-list plan against Proxmox, one write at a time: read the list (and its
 * digest), plan, make the first call with that digest, read again. Re-planning after every write
 * keeps each PUT/DELETE on the digest of the latest read, and a hand edit that lands between a read
 * and a write (`DIGEST_MISMATCH`, or a list that is not what the last write should have made) is
 * simply the next read: pxr re-plans from it. POST does not check the digest, so the read after it
 * confirms the rule landed where Proxmox puts it (position 0).
 */
import { isPveApiError } from '../../pve/errors.js';
import type { PveClient } from '../../pve/types.js';
import { parseRuleComment } from './marker.js';
import {
  createParams,
  fromApiRule,
  sameRule,
  updateParams,
  type StoredRule,
} from './rule-params.js';
import {
  planRuleList,
  type CurrentRule,
  type DesiredRule,
  type RuleOp,
  type RulePlanOptions,
} from './rule-plan.js';

export interface RuleListRead {
  rules: CurrentRule[];
  digest: string;
}

/** `GET <path>` read into pxr's shape: each rule with this policy's key when it is marked so. */
export async function readRuleList(
  pve: PveClient,
  path: string,
  policy: string,
  others: ReadonlySet<string> = new Set(),
): Promise<RuleListRead> {
  const raw = (await pve.get<Record<string, unknown>[]>(path)) ?? [];
  const sorted = [...raw].sort((a, b) => Number(a['pos']) - Number(b['pos']));
  return {
    digest: typeof sorted[0]?.['digest'] === 'string' ? sorted[0]['digest'] : '',
    rules: sorted.map((r) => {
      const rule = fromApiRule(r);
      const mark = parseRuleComment(rule.comment);
      if (mark?.policy === policy) return { rule, key: mark.rule };
      return mark && others.has(mark.policy) ? { rule, otherPolicy: mark.policy } : { rule };
    }),
  };
}

export function describeOp(path: string, op: RuleOp): string {
  switch (op.op) {
    case 'create':
      return `POST ${path} (${op.key})`;
    case 'update':
      return `PUT ${path}/${op.pos} (${op.key})`;
    case 'move':
      return `PUT ${path}/${op.pos} moveto=${op.moveto} (${op.key})`;
    case 'delete':
      return `DELETE ${path}/${op.pos}${op.key ? ` (${op.key})` : ''}`;
  }
}

async function run(pve: PveClient, path: string, op: RuleOp, digest: string): Promise<void> {
  switch (op.op) {
    case 'create':
      await pve.post(path, createParams(op.rule));
      return;
    case 'update':
      await pve.put(`${path}/${op.pos}`, { ...updateParams(op.from, op.rule), digest });
      return;
    case 'move':
      await pve.put(`${path}/${op.pos}`, { moveto: op.moveto, digest });
      return;
    case 'delete':
      await pve.del(`${path}/${op.pos}`, { digest });
      return;
  }
}

export interface SyncResult {
  /** The writes made, described (`PUT /…/rules/2 moveto=0 (ssh)`). */
  calls: string[];
  /** Writes refused for a stale digest (someone edited in between): re-read and re-planned. */
  races: number;
  unsafe: number;
}

function sameList(a: readonly StoredRule[], b: readonly StoredRule[]): boolean {
  return a.length === b.length && a.every((r, i) => sameRule(r, b[i]!));
}

/**
 * Brings the list at `path` to `desired`: plans once, then makes the planned writes in order, each
 * with the digest of the read that follows the previous write. A read that is not what the plan
 * expected (someone edited the list) or a refused digest re-plans from what is there.
 */
export async function syncRuleList(
  pve: PveClient,
  path: string,
  policy: string,
  desired: readonly DesiredRule[],
  opts: RulePlanOptions = {},
  hooks: { beforeWrite?: (op: RuleOp) => Promise<void> | void } = {},
): Promise<SyncResult> {
  const out: SyncResult = { calls: [], races: 0, unsafe: 0 };
  let read = await readRuleList(pve, path, policy, opts.otherPolicies);
  // Bounded: a person editing faster than pxr gets the remaining work in the next pass.
  for (let replans = 0; replans <= 20; replans++) {
    const plan = planRuleList(read.rules, desired, opts);
    out.unsafe += plan.unsafe;
    let i = 0;
    for (; i < plan.ops.length; i++) {
      const op = plan.ops[i]!;
      await hooks.beforeWrite?.(op);
      try {
        await run(pve, path, op, read.digest);
        out.calls.push(describeOp(path, op));
      } catch (err) {
        if (!isPveApiError(err, 'DIGEST_MISMATCH')) throw err;
        out.races++;
        read = await readRuleList(pve, path, policy, opts.otherPolicies);
        break;
      }
      read = await readRuleList(pve, path, policy, opts.otherPolicies);
      if (
        !sameList(
          read.rules.map((r) => r.rule),
          plan.after[i]!,
        )
      ) {
        out.races++;
        break;
      }
    }
    if (i === plan.ops.length) return out;
  }
  throw new Error(`rule list ${path} kept changing under pxr (20 re-plans); retrying next pass`);
}
