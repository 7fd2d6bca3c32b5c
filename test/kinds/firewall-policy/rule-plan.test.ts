/**
 * The rule-list planner on hand-worked cases (pure): where Proxmox puts a new rule (position 0),
 * the order that keeps every intermediate list from opening what neither end opens, the
 * disabled-first fallback, hand-made rules kept in merge mode, and the PUT parameters.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ruleComment } from '../../../src/kinds/firewall-policy/marker.js';
import { updateParams, type StoredRule } from '../../../src/kinds/firewall-policy/rule-params.js';
import {
  planRuleList,
  type CurrentRule,
  type DesiredRule,
} from '../../../src/kinds/firewall-policy/rule-plan.js';
import { isSafeState, probesFor } from '../../../src/kinds/firewall-policy/rule-safety.js';

const r = (key: string, action: string, extra: Partial<StoredRule> = {}): StoredRule => ({
  type: 'in',
  action,
  enable: 1,
  comment: ruleComment('p', key),
  ...extra,
});
const d = (key: string, action: string, extra: Partial<StoredRule> = {}): DesiredRule => ({
  key,
  rule: r(key, action, extra),
});
const c = (key: string, action: string, extra: Partial<StoredRule> = {}): CurrentRule => ({
  key,
  rule: r(key, action, extra),
});
const hand = (comment: string, action: string, extra: Partial<StoredRule> = {}): CurrentRule => ({
  rule: { type: 'in', action, enable: 1, comment, ...extra },
});

describe('rule-list planner (pure)', () => {
  it('a missing list is created bottom-up: every POST lands at 0, no move', () => {
    const p = planRuleList([], [d('a', 'ACCEPT'), d('b', 'DROP'), d('c', 'ACCEPT')]);
    assert.deepEqual(
      p.ops.map((o) => `${o.op} ${'key' in o ? o.key : ''}`),
      ['create c', 'create b', 'create a'],
    );
  });

  it('an ACCEPT that belongs below a DROP is created disabled, moved, then enabled', () => {
    const tcp22 = { proto: 'tcp', dport: '22' };
    const p = planRuleList(
      [c('deny', 'DROP', tcp22)],
      [d('deny', 'DROP', tcp22), d('ssh', 'ACCEPT', { proto: 'tcp' })],
    );
    assert.deepEqual(
      p.ops.map((o) => o.op),
      ['create', 'move', 'update'],
    );
    const first = p.ops[0]!;
    assert.equal(first.op === 'create' && first.rule.enable, 0);
    assert.equal(p.unsafe, 0);
  });

  it('every intermediate state is safe on a hand-worked replacement (DROP first, ACCEPT later)', () => {
    const before = [c('old-allow', 'ACCEPT', { proto: 'tcp' }), c('tail', 'DROP')];
    const desired = [
      d('block-22', 'DROP', { proto: 'tcp', dport: '22' }),
      d('allow-80', 'ACCEPT', { proto: 'tcp', dport: '80' }),
      d('tail', 'DROP'),
    ];
    const p = planRuleList(before, desired);
    const probes = probesFor([...before.map((x) => x.rule), ...p.final]);
    for (const st of p.after)
      assert.ok(
        isSafeState(
          st,
          before.map((x) => x.rule),
          p.final,
          probes,
        ),
        JSON.stringify(st),
      );
    assert.deepEqual(
      p.final.map((x) => x.comment),
      desired.map((x) => x.rule.comment),
    );
  });

  it('merge keeps hand-made rules in their relative order; authoritative removes them', () => {
    const cur = [hand('h1', 'ACCEPT'), c('a', 'DROP'), hand('h2', 'DROP'), c('b', 'ACCEPT')];
    const want = [d('b', 'ACCEPT'), d('a', 'DROP')];
    const merged = planRuleList(cur, want);
    assert.deepEqual(
      merged.final.map((x) => x.comment),
      // b stays where it is (the longest run in order), a moves right after it: one call.
      ['h1', 'h2', 'pxr:p/b', 'pxr:p/a'],
    );
    assert.deepEqual(
      merged.ops.map((o) => o.op),
      ['move'],
    );
    const owned = planRuleList(cur, want, { authoritative: true });
    assert.deepEqual(
      owned.final.map((x) => x.comment),
      ['pxr:p/b', 'pxr:p/a'],
    );
    assert.equal(owned.ops.filter((o) => o.op === 'delete').length, 2);
  });

  it("held rules keep their fields and place; another policy's marked rules are never removed", () => {
    const cur = [
      c('a', 'ACCEPT', { dport: '1', proto: 'tcp' }),
      { rule: r('x', 'DROP', { comment: 'pxr:other/x' }), otherPolicy: 'other' },
    ];
    const p = planRuleList(cur, [d('a', 'ACCEPT', { dport: '2', proto: 'tcp' })], {
      authoritative: true,
      hold: new Set(['a']),
    });
    assert.deepEqual(p.ops, []);
  });

  it('an update sends enable explicitly and delete= for fields that go', () => {
    const params = updateParams(
      r('a', 'ACCEPT', { proto: 'tcp', dport: '22', log: 'info' }),
      r('a', 'ACCEPT', { proto: 'tcp', enable: 0 }),
    );
    assert.equal(params['enable'], 0);
    assert.equal(params['delete'], 'dport,log');
  });
});
