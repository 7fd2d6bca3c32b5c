/**
 * Alerts on transitions besides drift, written to the outbox by the runtime: Failing after N failed
 * passes and Recovered once; Stalled and Unstalled; Pruned; PruneRefused; a kind's own alerting
 * states (from an outcome or a failed pass's Error) — each once per transition.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TerminalError } from '../../src/core/errors.js';
import type { Store } from '../../src/store/store.js';
import { doc, FakeReconciler, kind, rig, snap } from './helpers.js';

function outbox(store: Store): string[] {
  return store.alerts
    .pending()
    .map((a) => `${a.key} ${String(a.payload['severity'])}`)
    .sort();
}

describe('alert transitions', () => {
  test('Failing fires once after 5 failed passes in a row, Recovered once when a pass succeeds', async () => {
    // (Or after 10 minutes of failing: covered by the same rule, `failingAfterMs`.)
    const r = new FakeReconciler();
    let fail = true;
    r.onReconcile = async (_ctx, objs) =>
      new Map(objs.map((o) => [o.name, fail ? new Error('proxmox says no') : {}]));
    const x = rig([kind('Bridge', r)]);
    x.manager.applySnapshot(snap([doc('Bridge', 'a', {}, { labels: { tier: 'gold' } })]));
    const passes = async (n: number): Promise<void> => {
      for (let i = 0; i < n; i++) {
        await x.manager.waitForIdle();
        x.clock.advance(60_000); // past the backoff step (750 ms doubling), well under 10 minutes
      }
      await x.manager.waitForIdle();
    };
    await passes(3);
    assert.deepEqual(outbox(x.store), [], 'not after 4 failures');
    await passes(1);
    assert.deepEqual(outbox(x.store), ['failing/Bridge/a/firing warning']);
    const payload = x.store.alerts.get('failing/Bridge/a/firing')?.payload;
    assert.match(String(payload?.['message']), /^failing for 5 attempts: proxmox says no$/);
    assert.deepEqual(payload?.['labels'], { tier: 'gold' });
    await passes(12); // past 10 minutes too
    assert.equal(x.store.alerts.pending().length, 1, 'once per episode');
    fail = false;
    await passes(16); // the backoff is capped at 15 minutes
    assert.deepEqual(outbox(x.store), [
      'failing/Bridge/a/firing warning',
      'failing/Bridge/a/resolved info',
    ]);
  });

  test('Stalled fires once (critical); a spec change that succeeds resolves it', async () => {
    const r = new FakeReconciler();
    r.onReconcile = async (_ctx, objs) =>
      new Map(
        objs.map((o) => [
          o.name,
          o.spec['ok'] ? {} : new TerminalError('VmidTaken', 'CT 100 belongs to someone else'),
        ]),
      );
    const x = rig([kind('Bridge', r)]);
    x.manager.applySnapshot(snap([doc('Bridge', 'a')]));
    await x.manager.waitForIdle();
    assert.deepEqual(outbox(x.store), ['stalled/Bridge/a/firing critical']);
    assert.match(
      String(x.store.alerts.get('stalled/Bridge/a/firing')?.payload['message']),
      /^VmidTaken: CT 100 belongs to someone else$/,
    );
    x.manager.applySnapshot(snap([doc('Bridge', 'a', { ok: true })]));
    await x.manager.waitForIdle();
    assert.deepEqual(outbox(x.store), [
      'stalled/Bridge/a/firing critical',
      'stalled/Bridge/a/resolved info',
    ]);
  });

  test('a pruned object is one Pruned alert; an emptied folder is one PruneRefused alert', async () => {
    const r = new FakeReconciler();
    const x = rig([kind('Bridge', r)]);
    x.manager.applySnapshot(snap([doc('Bridge', 'a'), doc('Bridge', 'b'), doc('Bridge', 'c')]));
    await x.manager.waitForIdle();
    x.manager.applySnapshot(snap([doc('Bridge', 'a'), doc('Bridge', 'b')]));
    await x.manager.waitForIdle();
    assert.deepEqual(outbox(x.store), ['pruned/Bridge/c/resolved info']);
    x.manager.applySnapshot(snap([], { fileCount: 0 }));
    x.manager.applySnapshot(snap([], { fileCount: 0 }));
    await x.manager.waitForIdle();
    assert.deepEqual(outbox(x.store), [
      'pruned/Bridge/c/resolved info',
      'source/manifests/PruneRefused warning',
    ]);
  });

  test("a kind's own alert fires once while it lasts (also from a failed pass) and resolves once", async () => {
    const r = new FakeReconciler();
    let state: 'on' | 'failing-on' | 'off' = 'off';
    const alert = (firing: boolean) => ({
      key: 'certificate-overdue',
      firing,
      severity: firing ? ('warning' as const) : ('info' as const),
      reason: firing ? 'RenewalOverdue' : 'Renewed',
      message: firing ? 'not renewed' : 'renewed',
    });
    r.onReconcile = async (_ctx, objs) =>
      new Map(
        objs.map((o) => [
          o.name,
          state === 'failing-on'
            ? Object.assign(new Error('issuer down'), { alerts: [alert(true)] })
            : { alerts: [alert(state === 'on')], requeueAfterMs: 1_000 },
        ]),
      );
    const x = rig([kind('Certificate', r)]);
    x.manager.applySnapshot(snap([doc('Certificate', 'c')]));
    await x.manager.waitForIdle();
    assert.deepEqual(outbox(x.store), [], 'not firing: nothing to resolve');
    state = 'failing-on';
    x.clock.advance(2_000);
    await x.manager.waitForIdle();
    assert.deepEqual(outbox(x.store), ['certificate-overdue/Certificate/c/firing warning']);
    state = 'on';
    x.clock.advance(2_000);
    await x.manager.waitForIdle();
    assert.equal(outbox(x.store).length, 1, 'still the same episode');

    state = 'off';
    x.clock.advance(2_000);
    await x.manager.waitForIdle();
    assert.deepEqual(outbox(x.store), [
      'certificate-overdue/Certificate/c/firing warning',
      'certificate-overdue/Certificate/c/resolved info',
    ]);
  });
});
