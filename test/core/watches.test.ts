/**
 * The kind contract from a test file alone: a toy kind, registered with its watch, is queued when an
 * object of the kind it watches changes in the source (spec, labels, deletion) or in its status; the
 * reconcile context reads other kinds' objects and status through `ctx.list` / `ctx.get`.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KindDefinition } from '../../src/core/kind.js';
import { doc, FakeReconciler, kind, rig, snap } from './helpers.js';

function toyKind(r: FakeReconciler): KindDefinition {
  return {
    ...kind('Toy', r),
    // A toy selects the bridges whose `toy` label names it.
    watches: [{ kind: 'Bridge', map: (b) => (b.labels['toy'] ? [b.labels['toy']] : []) }],
  };
}

describe('watches: another kind’s changes queue the objects that care', () => {
  test('a label change, a spec change and a deletion of a watched object each queue the mapped toys (and no other)', async () => {
    const bridges = new FakeReconciler();
    const toys = new FakeReconciler();
    const x = rig([kind('Bridge', bridges), toyKind(toys)], { ingest: { maxPruneRatio: 1 } });
    const toy = doc('Toy', 't1');
    const other = doc('Toy', 't2');
    const b = (labels: Record<string, string>, spec = {}): ReturnType<typeof doc> =>
      doc('Bridge', 'b1', spec, { labels });
    x.manager.applySnapshot(snap([toy, other, b({})]));
    await x.manager.waitForIdle();
    const toyCalls = (): string[] => toys.calls.map((c) => c.names.join(','));
    assert.deepEqual(toyCalls().sort(), ['t1', 't2']);

    x.manager.applySnapshot(snap([toy, other, b({ toy: 't1' })])); // label now selects t1
    await x.manager.waitForIdle();
    assert.deepEqual(toyCalls().slice(2), ['t1']);

    x.manager.applySnapshot(snap([toy, other, b({ toy: 't2' })])); // moved: both care
    await x.manager.waitForIdle();
    assert.deepEqual(toyCalls().slice(3).sort(), ['t1', 't2']);

    x.manager.applySnapshot(snap([toy, other, b({ toy: 't2' }, { mtu: 9000 })])); // spec
    await x.manager.waitForIdle();
    // Queued by the source change, and again when the bridge's new generation reaches its status.
    assert.deepEqual([...new Set(toyCalls().slice(5))], ['t2']);

    const n = toyCalls().length;
    x.manager.applySnapshot(snap([toy, other])); // deleted
    await x.manager.waitForIdle();
    assert.deepEqual([...new Set(toyCalls().slice(n))], ['t2'], 'the deletion queued t2');
  });

  test('a status change of a watched object queues the toy; an unchanged status does not', async () => {
    const bridges = new FakeReconciler();
    const toys = new FakeReconciler();
    let facts = { mac: 'aa' };
    bridges.onReconcile = async (_ctx, objs) =>
      new Map(objs.map((o) => [o.name, { observed: facts }]));
    const x = rig([kind('Bridge', bridges), toyKind(toys)]);
    x.manager.applySnapshot(
      snap([doc('Toy', 't1'), doc('Bridge', 'b1', {}, { labels: { toy: 't1' } })]),
    );
    await x.manager.waitForIdle();
    const before = toys.calls.length;
    x.manager.controller('Bridge')?.enqueue('b1'); // same facts: status unchanged
    await x.manager.waitForIdle();
    assert.equal(toys.calls.length, before);
    facts = { mac: 'bb' };
    x.manager.controller('Bridge')?.enqueue('b1');
    await x.manager.waitForIdle();
    assert.equal(toys.calls.length, before + 1);
  });

  test('the context reads other kinds: ctx.list with a label selector, ctx.get, ctx.getStatus', async () => {
    const bridges = new FakeReconciler();
    const toys = new FakeReconciler();
    const seen: string[][] = [];
    toys.onReconcile = async (ctx, objs) => {
      seen.push([
        ctx
          .list('Bridge', { tier: 'gold' })
          .map((o) => o.name)
          .join(','),
        String(ctx.get({ kind: 'Bridge', name: 'b2' })?.labels['tier']),
        String(ctx.getStatus({ kind: 'Bridge', name: 'b1' })?.ready),
      ]);
      return new Map(objs.map((o) => [o.name, {}]));
    };
    const x = rig([kind('Bridge', bridges), kind('Toy', toys, ['Bridge'])]);
    x.manager.applySnapshot(
      snap([
        doc('Bridge', 'b1', {}, { labels: { tier: 'gold' } }),
        doc('Bridge', 'b2', {}, { labels: { tier: 'silver' } }),
        doc('Toy', 't1'),
      ]),
    );
    await x.manager.waitForIdle();
    assert.deepEqual(seen.at(-1), ['b1', 'silver', 'true']);
  });
});
