/**
 * Property test of the rule-list planner, replayed on the simulator with the real client: for random
 * current and desired lists (pxr's and hand-made rules mixed), syncing ends in exactly the desired
 * order with hand-made rules kept in theirs, no state read along the way lets through a probe
 * packet that neither end lets through, and the writes stay within the planner's count (deletes +
 * updates + creates + moves outside the longest in-order run).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { systemClock } from '../../../src/core/clock.js';
import { createPveClient } from '../../../src/pve/client.js';
import type { PveClient } from '../../../src/pve/types.js';

import type { StoredRule } from '../../../src/kinds/firewall-policy/rule-params.js';
import {
  planRuleList,
  type CurrentRule,
  type DesiredRule,
} from '../../../src/kinds/firewall-policy/rule-plan.js';
import { sameRule } from '../../../src/kinds/firewall-policy/rule-params.js';
import { readRuleList, syncRuleList } from '../../../src/kinds/firewall-policy/rule-sync.js';
import { startSim, type StartedSim } from '../../helpers/sim.js';
import { randomLists, seeded, acceptedProbes, type Packet } from './random-rules.js';

/**
 * The fewest writes that can reach `desired`: a DELETE per rule that goes, a PUT per rule whose
 * fields differ, a POST per missing rule, a move per kept rule outside the longest run already in
 * order, and a move per created rule that does not belong to the run created at the very top.
 */
function minimalWrites(
  current: readonly CurrentRule[],
  desired: readonly DesiredRule[],
  authoritative: boolean,
): number {
  const want = new Map(desired.map((d, i) => [d.key, i]));
  const seen = new Set<string>();
  let deletes = 0;
  let updates = 0;
  const order: number[] = [];
  for (const c of current) {
    if (c.key === undefined) {
      if (authoritative) deletes++;
      continue;
    }
    if (!want.has(c.key) || seen.has(c.key)) {
      deletes++;
      continue;
    }
    seen.add(c.key);
    order.push(want.get(c.key)!);
    if (!sameRule(c.rule, desired[want.get(c.key)!]!.rule)) updates++;
  }
  const lis = order.reduce<number[]>((tails, x) => {
    const i = tails.findIndex((t) => t >= x);
    if (i < 0) tails.push(x);
    else tails[i] = x;
    return tails;
  }, []).length;
  const creates = desired.filter((d) => !seen.has(d.key)).length;
  let topRun = 0;
  while (topRun < desired.length && !seen.has(desired[topRun]!.key)) topRun++;
  return deletes + updates + creates + (seen.size - lis) + (creates - topRun);
}

const PATH = '/cluster/firewall/groups/proptest';

/** What a list accepts, on the exhaustive packet domain of the generator (first match, policy DROP). */
function accepted(rules: readonly StoredRule[], packets: readonly Packet[]): Set<string> {
  return acceptedProbes(rules, packets);
}

describe('rule list planner (property, on the simulator)', () => {
  let s: StartedSim;
  let pve: PveClient;
  before(async () => {
    s = await startSim();
    pve = createPveClient({
      url: s.url,
      tokenId: s.tokenId,
      tokenSecret: s.tokenSecret,
      clock: systemClock,
      logger: pino({ level: 'silent' }),
    });
    await pve.post('/cluster/firewall/groups', { group: 'proptest' });
  });
  after(async () => {
    await pve.close();
    await s.close();
  });

  it('ends in the desired order, never more permissive than both ends, within the minimal count', async () => {
    const rng = seeded(20261204);
    let total = 0;
    let baseline = 0;
    let fallbacks = 0;
    for (let round = 0; round < 150; round++) {
      const { current, desired, packets } = randomLists(rng);
      const authoritative = rng() < 0.3;
      s.sim.state.firewall.groups['proptest'] = { rules: current.map((r) => ({ ...r })) as never };
      const readBack = await readRuleList(pve, PATH, 'p');
      const plan = planRuleList(readBack.rules, desired, { authoritative });
      const okBefore = accepted(
        readBack.rules.map((r) => r.rule),
        packets,
      );
      const okAfter = accepted(plan.final, packets);
      const seen: StoredRule[][] = [];
      const res = await syncRuleList(
        pve,
        PATH,
        'p',
        desired,
        { authoritative },
        {
          beforeWrite: async () => {
            seen.push((await readRuleList(pve, PATH, 'p')).rules.map((r) => r.rule));
          },
        },
      );
      const end = await readRuleList(pve, PATH, 'p');
      seen.push(end.rules.map((r) => r.rule));
      const ctx = `round ${round}: ${JSON.stringify({ current, desired, authoritative })}`;
      // Exactly the desired order and fields; hand-made rules kept in their order (merge).
      const mine = end.rules.filter((r) => r.key !== undefined);
      assert.deepEqual(
        mine.map((r) => r.key),
        desired.map((d) => d.key),
        ctx,
      );
      for (const [i, r] of mine.entries()) {
        assert.equal(r.rule.comment, desired[i]!.rule.comment, ctx);
        assert.equal(r.rule.action, desired[i]!.rule.action, ctx);
        assert.equal(r.rule.dport, desired[i]!.rule.dport, ctx);
        assert.equal(r.rule.enable, desired[i]!.rule.enable, ctx);
      }
      const foreignBefore = readBack.rules
        .filter((r) => r.key === undefined)
        .map((r) => r.rule.comment);
      const foreignAfter = end.rules.filter((r) => r.key === undefined).map((r) => r.rule.comment);
      assert.deepEqual(foreignAfter, authoritative ? [] : foreignBefore, ctx);
      // Never more permissive than both ends.
      for (const st of seen) {
        for (const p of accepted(st, packets)) {
          assert.ok(
            okBefore.has(p) || okAfter.has(p),
            `${ctx}\nstate ${JSON.stringify(st)} accepts ${p}`,
          );
        }
      }
      // No more calls than needed: exactly the plan, which is within the minimal count.
      assert.equal(res.calls.length, plan.ops.length, `${ctx}\n${res.calls.join('\n')}`);
      // A rule that cannot be created enabled safely is created disabled and enabled in place.
      const disabledFirst = plan.ops.filter(
        (o) =>
          o.op === 'create' &&
          o.rule.enable === 0 &&
          desired.find((d) => d.key === o.key)?.rule.enable !== 0,
      ).length;
      fallbacks += disabledFirst;
      assert.ok(
        plan.ops.length <= minimalWrites(readBack.rules, desired, authoritative) + disabledFirst,
        `${ctx}\n${res.calls.join('\n')}`,
      );
      assert.equal(plan.unsafe, 0, ctx);
      total += res.calls.length;
      baseline +=
        readBack.rules.filter((r) => r.key !== undefined || authoritative).length + desired.length;
    }
    // Random lists are mostly rewritten, where delete-all-and-recreate (unsafe) is cheap; the
    // benchmark (bench/firewall-rules.ts) compares typical edits.
    assert.ok(total > 0 && baseline > 0);
    console.log(
      `# ${total} writes (${fallbacks} created disabled first) vs ${baseline} for delete-all-and-recreate`,
    );
  });
});
