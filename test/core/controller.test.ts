import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TerminalError } from '../../src/core/errors.js';
import type { ObjectOutcome, StoredObject } from '../../src/core/kind.js';
import { conditionsOf, doc, FakeReconciler, kind, rig, snap } from './helpers.js';

const ref = { kind: 'Bridge', name: 'a' };

async function oneObject(
  r: FakeReconciler,
  spec: Record<string, unknown> = {},
): Promise<ReturnType<typeof rig>> {
  const x = rig([kind('Bridge', r)]);
  x.manager.applySnapshot(snap([doc('Bridge', 'a', spec), doc('Bridge', 'other')]));
  await x.manager.waitForIdle();
  return x;
}

function only(objs: StoredObject[], v: ObjectOutcome | Error): Map<string, ObjectOutcome | Error> {
  return new Map(objs.map((o) => [o.name, o.name === 'a' ? v : {}]));
}

describe('controller: status on every exit path', () => {
  test('success sets Ready=True with observedGeneration and records the actions', async () => {
    const r = new FakeReconciler();
    r.onReconcile = async (_ctx, objs) =>
      only(objs, { actions: ['created vmbr1'], observed: { iface: 'vmbr1' } });
    const { store } = await oneObject(r);
    assert.deepEqual(conditionsOf(store, 'Bridge', 'a'), { Ready: ['True', 'Reconciled'] });
    const st = store.status.get(ref);
    assert.equal(st?.observedGeneration, 1);
    assert.deepEqual(st?.observed, { iface: 'vmbr1' });
    assert.equal(st?.lastResult, 'ok');
    const h = store.history.list(ref);
    assert.equal(h.length, 1);
    assert.deepEqual(h[0]?.actions, ['created vmbr1']);
    const ev = store.events.list({ ref });
    assert.deepEqual(
      ev.map((e) => [e.reason, e.message]),
      [['Reconciled', 'created vmbr1']],
    );
  });

  const failures: [string, () => Promise<Map<string, ObjectOutcome | Error>>, RegExp][] = [
    ['throws an Error', () => Promise.reject(new Error('pve said no')), /pve said no/],
    [
      'throws a string',
      () => {
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- the point of the test
        throw 'just a string';
      },
      /just a string/,
    ],
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the point of the test
    ['rejects with a plain object', () => Promise.reject({ status: 595 }), /595/],
    [
      'returns an Error for the object',
      async () => new Map([['a', new Error('per-object')]]),
      /per-object/,
    ],
    ['returns no outcome for the object', async () => new Map(), /no outcome for Bridge\/a/],
    ['returns something that is not a Map', async () => ({}) as never, /no Map/],
  ];
  for (const [what, fn, msg] of failures) {
    test(`a reconciler that ${what} leaves Ready=False ReconcileError and retries`, async () => {
      const r = new FakeReconciler();
      r.onReconcile = async (_ctx, objs) =>
        objs[0]?.name === 'a' ? fn() : new Map([[objs[0]!.name, {}]]);
      const { store, manager } = await oneObject(r);
      assert.deepEqual(conditionsOf(store, 'Bridge', 'a'), {
        Ready: ['False', 'ReconcileError'],
        Reconciling: ['True', 'ProgressingWithRetry'],
      });
      assert.match(store.status.get(ref)?.conditions[0]?.message ?? '', msg);
      const h = store.history.list(ref);
      assert.equal(h[0]?.result, 'error');
      assert.match(h[0]?.error ?? '', msg);
      assert.equal(store.events.list({ ref })[0]?.reason, 'ReconcileError');
      assert.equal(manager.controller('Bridge')?.queue.delayed, 1, 'retry scheduled');
      assert.deepEqual(conditionsOf(store, 'Bridge', 'other'), { Ready: ['True', 'Reconciled'] });
    });
  }

  test('a TerminalError stalls the object and it is not retried until its spec changes', async () => {
    const r = new FakeReconciler();
    r.onReconcile = async (_ctx, objs) =>
      only(objs, new TerminalError('InvalidSpec', 'bridge name proximity-lan is invalid'));
    const { store, manager, clock } = await oneObject(r, { v: 1 });
    assert.deepEqual(conditionsOf(store, 'Bridge', 'a'), {
      Ready: ['False', 'InvalidSpec'],
      Stalled: ['True', 'InvalidSpec'],
    });
    assert.equal(store.history.list(ref)[0]?.result, 'stalled');
    assert.equal(manager.controller('Bridge')?.queue.delayed, 0, 'no retry scheduled');
    const calls = r.calls.filter((c) => c.names.includes('a')).length;
    manager.controller('Bridge')?.enqueueAll(); // what a resync does
    clock.advance(3_600_000);
    await manager.waitForIdle();
    assert.equal(r.calls.filter((c) => c.names.includes('a')).length, calls, 'stalled: not called');
    r.onReconcile = async (_ctx, objs) => only(objs, {});
    manager.applySnapshot(snap([doc('Bridge', 'a', { v: 2 }), doc('Bridge', 'other')]));
    await manager.waitForIdle();
    assert.deepEqual(conditionsOf(store, 'Bridge', 'a'), { Ready: ['True', 'Reconciled'] });
    assert.equal(store.status.get(ref)?.observedGeneration, 2);
  });

  test('errors are retried with exponential backoff on the clock, and success resets it', async () => {
    const r = new FakeReconciler();
    let fail = 3;
    r.onReconcile = async (_ctx, objs) =>
      objs[0]?.name === 'a' ? only(objs, fail-- > 0 ? new Error('flaky') : {}) : only(objs, {});
    const { manager, clock, store } = await oneObject(r);
    const callsOfA = (): number => r.calls.filter((c) => c.names.includes('a')).length;
    assert.equal(callsOfA(), 1);
    for (const [wait, expected] of [
      [749, 1],
      [1, 2],
      [1499, 2],
      [1, 3],
      [2999, 3],
      [1, 4],
    ] as const) {
      clock.advance(wait);
      await manager.waitForIdle();
      assert.equal(callsOfA(), expected, `after +${wait} ms`);
    }
    assert.deepEqual(conditionsOf(store, 'Bridge', 'a'), { Ready: ['True', 'Reconciled'] });
    assert.equal(manager.controller('Bridge')?.queue.failures('a'), 0);
  });

  test('requeueAfterMs is honoured on the clock', async () => {
    const r = new FakeReconciler();
    r.onReconcile = async (_ctx, objs) =>
      only(objs, { requeueAfterMs: 10_000, observed: { upid: 'UPID:pve1:1' } });
    const { manager, clock, store } = await oneObject(r);
    const callsOfA = (): number => r.calls.filter((c) => c.names.includes('a')).length;
    clock.advance(9_999);
    await manager.waitForIdle();
    assert.equal(callsOfA(), 1);
    clock.advance(1);
    await manager.waitForIdle();
    assert.equal(callsOfA(), 2);
    assert.deepEqual(r.calls.at(-1)?.ctx.observed, { upid: 'UPID:pve1:1' });
    assert.equal(store.status.get(ref)?.lastResult, 'requeue');
  });

  test('notReady sets Ready=False with its reason and requeues', async () => {
    const r = new FakeReconciler();
    r.onReconcile = async (_ctx, objs) =>
      only(objs, {
        notReady: { reason: 'DependencyNotReady', message: 'Bridge/lan is not Ready' },
      });
    const { store, manager, clock } = await oneObject(r);
    assert.deepEqual(conditionsOf(store, 'Bridge', 'a'), {
      Ready: ['False', 'DependencyNotReady'],
      Reconciling: ['True', 'DependencyNotReady'],
    });
    assert.equal(store.status.get(ref)?.observedGeneration, 0);
    clock.advance(5000);
    await manager.waitForIdle();
    assert.equal(r.calls.filter((c) => c.names.includes('a')).length, 2);
  });

  test('a converged pass writes nothing to SQLite', async () => {
    const r = new FakeReconciler();
    let first = true;
    r.onReconcile = async (_ctx, objs) => {
      const out = only(objs, {
        actions: first ? ['created vmbr1'] : [],
        observed: { iface: 'vmbr1' },
        conditions: [{ type: 'PendingRestart', status: 'False', reason: 'None', message: '' }],
        drift: [{ field: 'mtu', desired: 1500, actual: 9000 }],
        driftCorrected: false,
      });
      first = false;
      return out;
    };
    const x = rig([kind('Bridge', r)]);
    x.manager.applySnapshot(
      snap([doc('Bridge', 'a', {}, { annotations: { 'pxr/drift': 'alert' } })]),
    );
    await x.manager.waitForIdle();
    const before = x.store.totalChanges();
    for (let i = 0; i < 3; i++) {
      x.clock.advance(60_000);
      x.manager.controller('Bridge')?.enqueueAll();
      await x.manager.waitForIdle();
    }
    assert.equal(r.calls.length, 4);
    assert.equal(x.store.totalChanges(), before, 'no row changed by converged passes');
    assert.equal(x.manager.metrics().kinds[0]?.reconciles.ok, 4);
  });

  test('resync enqueues every group every resyncMs on the clock', async () => {
    const r = new FakeReconciler();
    const x = rig([kind('Bridge', r)], { resyncMs: 60_000 });
    x.manager.applySnapshot(snap([doc('Bridge', 'a'), doc('Bridge', 'b')]));
    await x.manager.waitForIdle();
    assert.equal(r.calls.length, 2);
    x.clock.advance(59_999);
    await x.manager.waitForIdle();
    assert.equal(r.calls.length, 2);
    x.clock.advance(1);
    await x.manager.waitForIdle();
    assert.equal(r.calls.length, 4);
    x.clock.advance(60_000);
    await x.manager.waitForIdle();
    assert.equal(r.calls.length, 6);
    await x.manager.stop(1000);
    x.clock.advance(600_000);
    assert.equal(r.calls.length, 6, 'no resync after stop');
  });
});
