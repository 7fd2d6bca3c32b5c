import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { conditionsOf, doc, FakeReconciler, kind, rig, snap } from './helpers.js';

describe('controller: the source changes while a reconcile is in flight', () => {
  test('an object orphaned during its reconcile gets no status row afterwards', async () => {
    const r = new FakeReconciler();
    const keep = doc('Bridge', 'keep');
    const gone = doc('Bridge', 'gone', {}, { annotations: { 'pxr/prune': 'disabled' } });
    const x = rig([kind('Bridge', r)], { ingest: { maxPruneRatio: 1 } });
    r.onReconcile = async (_ctx, objs) => {
      if (objs[0]?.name === 'gone') x.manager.applySnapshot(snap([keep]));
      return new Map(objs.map((o) => [o.name, {}]));
    };
    x.manager.applySnapshot(snap([keep, gone]));
    await x.manager.waitForIdle();
    assert.equal(x.store.objects.get({ kind: 'Bridge', name: 'gone' }), undefined);
    assert.equal(x.store.status.get({ kind: 'Bridge', name: 'gone' }), undefined);
    assert.ok(x.store.status.get({ kind: 'Bridge', name: 'keep' }));
  });

  test('a deletion cancelled while the finalizer runs keeps the object and reconciles it again', async () => {
    const r = new FakeReconciler();
    const docs = [doc('Bridge', 'a'), doc('Bridge', 'b'), doc('Bridge', 'c')];
    const x = rig([kind('Bridge', r)]);
    r.onFinalize = async (_ctx, objs) => {
      x.manager.applySnapshot(snap(docs)); // the document came back mid-finalize
      return new Map(objs.map((o) => [o.name, 'done' as const]));
    };
    x.manager.applySnapshot(snap(docs));
    await x.manager.waitForIdle();
    x.manager.applySnapshot(snap(docs.slice(0, 2)));
    await x.manager.waitForIdle();
    assert.deepEqual(r.finalizeCalls, [['c']]);
    const c = x.store.objects.get({ kind: 'Bridge', name: 'c' });
    assert.equal(c?.deletionRequested, false);
    assert.deepEqual(r.calls.at(-1)?.names, ['c'], 'reconciled again to recreate what was removed');
  });
});

describe('controller: hung reconcilers', () => {
  test('a reconcile running past reconcileTimeoutMs fails with a timeout and aborts its signal; its key stays taken until the hung call ends', async () => {
    const r = new FakeReconciler();
    let signal: AbortSignal | undefined;
    let release: (() => void) | undefined;
    let hang = true;
    r.onReconcile = (ctx, objs) => {
      signal = ctx.signal;
      if (!hang) return Promise.resolve(new Map(objs.map((o) => [o.name, {}])));
      // Ignores the signal; ends only when the test says so.
      return new Promise((res) => {
        release = () => res(new Map(objs.map((o) => [o.name, {}])));
      });
    };
    const x = rig([kind('Bridge', r)], { reconcileTimeoutMs: 60_000 });
    x.manager.applySnapshot(snap([doc('Bridge', 'a')]));
    const ticks = async (n = 200): Promise<void> => {
      for (let i = 0; i < n; i++) await new Promise((res) => setImmediate(res));
    };
    for (let i = 0; i < 1000 && r.calls.length === 0; i++) await ticks(1);
    x.clock.advance(60_000);
    await ticks();
    assert.equal(signal?.aborted, true);
    const st = x.store.status.get({ kind: 'Bridge', name: 'a' });
    assert.match(st?.conditions[0]?.message ?? '', /timed out after 60000 ms/);
    // The backoff has long passed and a resync-like enqueue comes in: still one call, never two.
    hang = false;
    x.clock.advance(60_000);
    x.manager.controller('Bridge')?.enqueue('a');
    await ticks();
    assert.equal(r.calls.length, 1, 'not processed again while the hung call runs');
    release?.();
    await x.manager.waitForIdle();
    x.clock.advance(60_000);
    await x.manager.waitForIdle();
    assert.equal(r.calls.length, 2, 'processed again once it ended');
    assert.deepEqual(conditionsOf(x.store, 'Bridge', 'a'), { Ready: ['True', 'Reconciled'] });
  });
});
