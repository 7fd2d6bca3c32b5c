import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../helpers/wait.js';
import pino from 'pino';
import { ManualClock } from '../../src/core/clock.js';
import { dependentsOf, Manager } from '../../src/core/manager.js';
import type { ObjectOutcome } from '../../src/core/kind.js';
import { openStore } from '../../src/store/store.js';
import { conditionsOf, doc, FakeReconciler, kind, rig, silentLog, snap } from './helpers.js';

describe('manager', () => {
  test('the first snapshot enqueues every stored object, also those kept from a previous run', async () => {
    const clock = new ManualClock();
    const store = openStore(':memory:', { clock });
    const r1 = new FakeReconciler();
    const m1 = new Manager({
      store,
      clock,
      log: silentLog,
      kinds: [kind('Bridge', r1)],
      resyncMs: 0,
    });
    m1.applySnapshot(snap([doc('Bridge', 'a'), doc('Bridge', 'b')]));
    m1.start();
    await m1.waitForIdle();
    await m1.stop(1000);
    // Restart: same store, same documents — nothing changed, yet the first pass sweeps everything.
    const r2 = new FakeReconciler();
    const m2 = new Manager({
      store,
      clock,
      log: silentLog,
      kinds: [kind('Bridge', r2)],
      resyncMs: 0,
    });
    assert.equal(m2.isReady(), false);
    const res = m2.applySnapshot(snap([doc('Bridge', 'a'), doc('Bridge', 'b')]));
    assert.deepEqual(res.changed, []);
    assert.equal(r2.calls.length, 0, 'no worker runs before start');
    m2.start();
    await m2.waitForIdle();
    assert.deepEqual(
      r2.calls
        .map((c) => c.names)
        .flat()
        .sort(),
      ['a', 'b'],
    );
    assert.equal(m2.isReady(), true);
    const later = m2.applySnapshot(snap([doc('Bridge', 'a', { mtu: 9000 }), doc('Bridge', 'b')]));
    await m2.waitForIdle();
    assert.equal(later.changed.length, 1);
    assert.deepEqual(r2.calls.at(-1)?.names, ['a'], 'later snapshots enqueue only what changed');
  });

  test('a reconciler sees its whole group at once (Bridge groups by node)', async () => {
    const r = new FakeReconciler((o) => String(o.spec.node));
    const x = rig([kind('Bridge', r)]);
    x.manager.applySnapshot(
      snap([
        doc('Bridge', 'lan', { node: 'pve1' }),
        doc('Bridge', 'dmz', { node: 'pve1' }),
        doc('Bridge', 'wan', { node: 'pve2' }),
      ]),
    );
    await x.manager.waitForIdle();
    const groups = r.calls.map((c) => c.names.sort().join(',')).sort();
    assert.deepEqual(groups, ['dmz,lan', 'wan']);
    // Moving a bridge to another node reconciles both the old and the new group.
    r.calls = [];
    x.manager.applySnapshot(
      snap([
        doc('Bridge', 'lan', { node: 'pve1' }),
        doc('Bridge', 'dmz', { node: 'pve2' }),
        doc('Bridge', 'wan', { node: 'pve2' }),
      ]),
    );
    await x.manager.waitForIdle();
    assert.deepEqual(r.calls.map((c) => c.names.sort().join(',')).sort(), ['dmz,wan', 'lan']);
  });

  test('a dependent waiting on DependencyNotReady is re-run as soon as its dependency becomes Ready', async () => {
    const bridge = new FakeReconciler();
    let bridgeReady = false;
    bridge.onReconcile = async (_ctx, objs) =>
      new Map(
        objs.map((o): [string, ObjectOutcome] => [
          o.name,
          bridgeReady
            ? {}
            : { notReady: { reason: 'Applying', message: 'network reload running' } },
        ]),
      );
    const ct = new FakeReconciler();
    ct.onReconcile = async (ctx, objs) =>
      new Map(
        objs.map((o): [string, ObjectOutcome] => [
          o.name,
          ctx.getStatus({ kind: 'Bridge', name: 'lan' })?.ready
            ? {}
            : {
                notReady: { reason: 'DependencyNotReady', message: 'Bridge/lan is not Ready' },
                requeueAfterMs: 3_600_000,
              },
        ]),
      );
    const x = rig([kind('Bridge', bridge), kind('AppContainer', ct, ['Bridge'])], {
      notReadyRequeueMs: 1000,
    });
    x.manager.applySnapshot(snap([doc('Bridge', 'lan'), doc('AppContainer', 'web')]));
    await x.manager.waitForIdle();
    assert.deepEqual(conditionsOf(x.store, 'AppContainer', 'web').Ready, [
      'False',
      'DependencyNotReady',
    ]);
    bridgeReady = true;
    x.clock.advance(1000); // the bridge's own requeue; the container's is an hour away
    await x.manager.waitForIdle();
    assert.deepEqual(conditionsOf(x.store, 'Bridge', 'lan').Ready, ['True', 'Reconciled']);
    assert.deepEqual(conditionsOf(x.store, 'AppContainer', 'web').Ready, ['True', 'Reconciled']);
  });

  test('deletions run in reverse dependency order', async () => {
    const order: string[] = [];
    const bridge = new FakeReconciler();
    bridge.onFinalize = async (_ctx, objs) => {
      order.push(...objs.map((o) => `Bridge/${o.name}`));
      return new Map(objs.map((o) => [o.name, 'done' as const]));
    };
    const ct = new FakeReconciler();
    let ctDone = false;
    ct.onFinalize = async (_ctx, objs) => {
      order.push(...objs.map((o) => `AppContainer/${o.name}`));
      return new Map(
        objs.map((o): [string, 'done' | ObjectOutcome] => [
          o.name,
          ctDone ? 'done' : { requeueAfterMs: 2000, actions: ['stopping CT 105'] },
        ]),
      );
    };
    const x = rig([kind('Bridge', bridge), kind('AppContainer', ct, ['Bridge'])], {
      ingest: { maxPruneRatio: 1 },
      deletionWaitMs: 60_000,
    });
    x.manager.applySnapshot(
      snap([doc('Bridge', 'lan'), doc('AppContainer', 'web'), doc('Bridge', 'keep')]),
    );
    await x.manager.waitForIdle();
    x.manager.applySnapshot(snap([doc('Bridge', 'keep')]));
    await x.manager.waitForIdle();
    assert.deepEqual(order, ['AppContainer/web']);
    assert.deepEqual(conditionsOf(x.store, 'Bridge', 'lan').Reconciling, [
      'True',
      'DeletionBlocked',
    ]);
    assert.deepEqual(conditionsOf(x.store, 'AppContainer', 'web').Reconciling, [
      'True',
      'Finalizing',
    ]);
    const h = x.store.history.list({ kind: 'AppContainer', name: 'web' });
    assert.deepEqual(h[0]?.actions, ['stopping CT 105'], 'finalizer actions are recorded');
    ctDone = true;
    x.clock.advance(2000);
    await x.manager.waitForIdle();
    assert.deepEqual(order, ['AppContainer/web', 'AppContainer/web', 'Bridge/lan']);
    assert.equal(x.store.objects.get({ kind: 'AppContainer', name: 'web' }), undefined);
    assert.equal(x.store.objects.get({ kind: 'Bridge', name: 'lan' }), undefined);
    assert.equal(x.store.status.get({ kind: 'Bridge', name: 'lan' }), undefined);
    assert.equal(
      x.store.events.list({ ref: { kind: 'Bridge', name: 'lan' } })[0]?.reason,
      'Deleted',
    );
    assert.deepEqual(
      dependentsOf('Bridge', [kind('Bridge', bridge), kind('AppContainer', ct, ['Bridge'])]),
      ['AppContainer'],
    );
  });

  test('readiness waits for the first sweep; metrics count reconciles by kind and result', async () => {
    const r = new FakeReconciler();
    r.onReconcile = async (_ctx, objs) =>
      new Map(objs.map((o) => [o.name, o.name === 'bad' ? new Error('x') : {}]));
    const x = rig([kind('Bridge', r)]);
    assert.equal(x.manager.isReady(), false);
    x.manager.applySnapshot(snap([doc('Bridge', 'a'), doc('Bridge', 'bad')]));
    await x.manager.waitForIdle();
    assert.equal(x.manager.isReady(), true);
    const m = x.manager.metrics();
    assert.equal(m.ready, true);
    assert.equal(m.snapshotsApplied, 1);
    const k = m.kinds[0]!;
    assert.equal(k.kind, 'Bridge');
    assert.deepEqual(k.reconciles, { ok: 1, error: 1, requeue: 0, stalled: 0 });
    assert.equal(k.durationSeconds.count, 2);
    assert.equal(k.delayed, 1);
    assert.equal(k.queueDepth, 0);
  });

  test('stop waits for a running reconcile, then aborts it after the timeout', async () => {
    const r = new FakeReconciler();
    let signal: AbortSignal | undefined;
    let started = false;
    r.onReconcile = (ctx) => {
      signal = ctx.signal;
      started = true;
      return new Promise((_resolve, reject) =>
        ctx.signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true }),
      );
    };
    const x = rig([kind('Bridge', r)]);
    x.manager.applySnapshot(snap([doc('Bridge', 'a')]));
    await waitFor('the reconcile started', () => started, 20_000, 0);
    const stopping = x.manager.stop(5000);
    x.clock.advance(5000);
    assert.equal(await stopping, false);
    assert.equal(signal?.aborted, true);
    await waitFor(
      'the aborted pass recorded',
      () => x.store.status.get({ kind: 'Bridge', name: 'a' }),
      20_000,
      0,
    );
    assert.deepEqual(conditionsOf(x.store, 'Bridge', 'a').Ready, ['False', 'ReconcileError']);
  });
});

describe('manager: logs and cost of a sweep', () => {
  test('each reconcile that acts logs one line per object with controller, kind, name, reconcileId, result, duration and actions', async () => {
    const lines: Record<string, unknown>[] = [];
    const log = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
    const r = new FakeReconciler();
    r.onReconcile = async (ctx, objs) => {
      ctx.log.info('inside');
      return new Map(objs.map((o) => [o.name, { actions: [`created ${o.name}`] }]));
    };
    const x = rig([kind('Bridge', r)], { log });
    x.manager.applySnapshot(snap([doc('Bridge', 'a'), doc('Bridge', 'b')]));
    await x.manager.waitForIdle();
    const done = lines.filter((l) => Array.isArray(l.actions));
    assert.equal(done.length, 2);
    for (const l of done) {
      assert.equal(l.controller, 'Bridge');
      assert.equal(l.kind, 'Bridge');
      assert.match(String(l.reconcileId), /^[0-9a-f-]{36}$/);
      assert.equal(l.result, 'ok');
      assert.equal(typeof l.durationMs, 'number');
      assert.deepEqual(l.actions, [`created ${String(l.name)}`]);
      assert.equal(l.msg, `created ${String(l.name)} — Ready`);
    }
    const inside = lines.filter((l) => l.msg === 'inside');
    assert.deepEqual(
      inside.map((l) => l.reconcileId).sort(),
      done.map((l) => l.reconcileId).sort(),
      "the reconciler's logger carries the same reconcileId",
    );
  });

  test('a sweep reads the object list once, not once per group', async () => {
    const r = new FakeReconciler();
    const x = rig([kind('Bridge', r)]);
    x.manager.applySnapshot(snap(Array.from({ length: 20 }, (_, i) => doc('Bridge', `b${i}`))));
    await x.manager.waitForIdle();
    const list = x.store.objects.list.bind(x.store.objects);
    let listed = 0;
    x.store.objects.list = (k?: string) => {
      listed++;
      return list(k);
    };
    x.manager.controller('Bridge')?.enqueueAll();
    await x.manager.waitForIdle();
    assert.equal(r.calls.length, 40);
    assert.equal(listed, 1, 'only enqueueAll listed; groups came from the cached index');
  });

  test('deletions of kinds without a reconciler complete at once', async () => {
    const r = new FakeReconciler();
    const x = rig([kind('Bridge', r), { kind: 'Issuer', plural: 'issuers', schema: {} }], {
      ingest: { maxPruneRatio: 1 },
    });
    x.manager.applySnapshot(snap([doc('Bridge', 'a'), doc('Issuer', 'ca')]));
    await x.manager.waitForIdle();
    x.manager.applySnapshot(snap([doc('Bridge', 'a')]));
    assert.equal(x.store.objects.get({ kind: 'Issuer', name: 'ca' }), undefined);
  });
});
