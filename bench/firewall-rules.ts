/**
 * FirewallPolicy rule-list updates (issue 11): the writes pxr's planner makes for typical edits of a
 * 30-rule security group, replayed on the simulator through the real client, against deleting every
 * pxr rule and re-creating the list (what tools without rule identity do, and which opens the list
 * while it runs). Each row also checks the end state is exactly the desired list.
 */
import { pino } from 'pino';
import { systemClock } from '../src/core/clock.js';
import { ruleComment } from '../src/kinds/firewall-policy/marker.js';
import type { StoredRule } from '../src/kinds/firewall-policy/rule-params.js';
import type { DesiredRule } from '../src/kinds/firewall-policy/rule-plan.js';
import { readRuleList, syncRuleList } from '../src/kinds/firewall-policy/rule-sync.js';
import { createPveClient } from '../src/pve/client.js';
import { createSimulator } from '../src/sim/simulator.js';
import type { Row } from './table.js';

const N = 30;
const PATH = '/cluster/firewall/groups/bench';

function rule(i: number, port = 1000 + i, action = i % 3 === 0 ? 'DROP' : 'ACCEPT'): DesiredRule {
  const r: StoredRule = {
    type: 'in',
    action,
    enable: 1,
    proto: 'tcp',
    dport: String(port),
    comment: ruleComment('bench', `r${i}`),
  };
  return { key: `r${i}`, rule: r };
}

const base = (): DesiredRule[] => Array.from({ length: N }, (_, i) => rule(i));

/** mulberry32 */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const scenarios: [string, () => DesiredRule[]][] = [
  ['add one rule in the middle', () => [...base().slice(0, 15), rule(99), ...base().slice(15)]],
  ['change one rule (port)', () => base().map((r, i) => (i === 12 ? rule(12, 2222) : r))],
  ['move the last rule to the top', () => [base()[N - 1]!, ...base().slice(0, N - 1)]],
  ['delete one rule', () => base().filter((_, i) => i !== 7)],
  ['append three rules', () => [...base(), rule(100), rule(101), rule(102)]],
  ['reverse the list', () => base().reverse()],
  [
    'shuffle 5 rules, edit 3, add 2, drop 2',
    () => {
      const rng = seeded(11);
      const list = base().filter((_, i) => i !== 4 && i !== 20);
      for (let k = 0; k < 5; k++) {
        const a = Math.floor(rng() * list.length);
        const b = Math.floor(rng() * list.length);
        [list[a], list[b]] = [list[b]!, list[a]!];
      }
      for (const i of [2, 9, 17]) list[i] = rule(Number(list[i]!.key.slice(1)), 3000 + i);
      list.splice(10, 0, rule(200));
      list.splice(25, 0, rule(201));
      return list;
    },
  ],
];

export async function benchFirewallRules(): Promise<Row[]> {
  const sim = createSimulator({ taskTimeScale: 0.01 });
  await sim.start();
  const pve = createPveClient({
    url: sim.url,
    tokenId: sim.tokenId,
    tokenSecret: sim.tokenSecret,
    clock: systemClock,
    logger: pino({ level: 'silent' }),
  });
  const rows: Row[] = [];
  try {
    await pve.post('/cluster/firewall/groups', { group: 'bench' });
    for (const [name, desired] of scenarios) {
      await syncRuleList(pve, PATH, 'bench', base(), { authoritative: true });
      const want = desired();
      const res = await syncRuleList(pve, PATH, 'bench', want, { authoritative: true });
      const end = await readRuleList(pve, PATH, 'bench');
      const exact = end.rules.map((r) => r.key).join() === want.map((d) => d.key).join();
      const recreate = N + want.length;
      rows.push({
        name: `${name}: pxr writes (delete-all-and-recreate: ${recreate})`,
        value: res.calls.length,
        unit: 'calls',
        target: `< ${recreate}, exact order`,
        ok: exact && res.calls.length < recreate,
      });
    }
  } finally {
    await pve.close();
    await sim.stop();
  }
  return rows;
}
