import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { DriftItem, ObjectOutcome } from '../../src/core/kind.js';
import { conditionsOf, doc, FakeReconciler, kind, rig, snap } from './helpers.js';

const ref = { kind: 'AppContainer', name: 'web' };
const memDrift: DriftItem = { field: 'memory', desired: 512, actual: 1024 };

/** A reconciler reporting `drift`, correcting it when the object's policy says so. */
function drifting(): { r: FakeReconciler; setDrift: (d: DriftItem[]) => void } {
  let drift: DriftItem[] = [];
  const r = new FakeReconciler();
  r.onReconcile = async (ctx, objs) =>
    new Map(
      objs.map((o): [string, ObjectOutcome] => [
        o.name,
        {
          drift,
          driftCorrected: ctx.driftPolicy === 'correct',
          actions: ctx.driftPolicy === 'correct' && drift.length > 0 ? [`set memory=512`] : [],
        },
      ]),
    );
  return { r, setDrift: (d) => (drift = d) };
}

async function setup(annotations: Record<string, string>): Promise<
  ReturnType<typeof rig> & {
    setDrift: (d: DriftItem[]) => void;
    r: FakeReconciler;
    pass: () => Promise<void>;
  }
> {
  const { r, setDrift } = drifting();
  const x = rig([kind('AppContainer', r)]);
  x.manager.applySnapshot(snap([doc('AppContainer', 'web', {}, { annotations })]));
  await x.manager.waitForIdle();
  const pass = async (): Promise<void> => {
    x.clock.advance(1000);
    x.manager.controller('AppContainer')?.enqueueAll();
    await x.manager.waitForIdle();
  };
  return { ...x, r, setDrift, pass };
}

describe('controller: drift', () => {
  test('policy alert: Drifted=True, one open record, DriftDetected event and alert; resolved when reality returns', async () => {
    const x = await setup({ 'pxr/drift': 'alert' });
    assert.equal(x.r.calls[0]?.ctx.driftPolicy, 'alert');
    x.setDrift([memDrift]);
    await x.pass();
    await x.pass();
    assert.deepEqual(conditionsOf(x.store, 'AppContainer', 'web'), {
      Ready: ['True', 'Reconciled'],
      Drifted: ['True', 'DriftDetected'],
    });
    assert.equal(x.store.drift.open(ref).length, 1);
    const ev = x.store.events.list({ ref }).filter((e) => e.reason === 'DriftDetected');
    assert.equal(ev.length, 1);
    assert.equal(ev[0]?.count, 1, 'a persisting drift is not re-announced every pass');
    assert.equal(ev[0]?.message, 'memory: desired 512, actual 1024');
    assert.ok(x.store.alerts.get('drift/AppContainer/web/memory/detected'));
    x.setDrift([]);
    await x.pass();
    assert.deepEqual(conditionsOf(x.store, 'AppContainer', 'web').Drifted, [
      'False',
      'DriftResolved',
    ]);
    assert.deepEqual(x.store.drift.open(ref), []);
    assert.equal(x.store.drift.list(ref)[0]?.corrected, false);
    assert.ok(x.store.alerts.get('drift/AppContainer/web/memory/resolved'));
  });

  test('policy correct (default): drift is recorded as corrected with a DriftCorrected event', async () => {
    const x = await setup({});
    assert.equal(x.r.calls[0]?.ctx.driftPolicy, 'correct');
    x.setDrift([memDrift]);
    await x.pass();
    assert.deepEqual(conditionsOf(x.store, 'AppContainer', 'web').Drifted, [
      'False',
      'DriftCorrected',
    ]);
    assert.deepEqual(x.store.drift.open(ref), []);
    const rec = x.store.drift.list(ref)[0];
    assert.equal(rec?.corrected, true);
    assert.notEqual(rec?.resolvedAt, null);
    const reasons = x.store.events.list({ ref }).map((e) => e.reason);
    assert.ok(reasons.includes('DriftCorrected'));
    assert.equal(x.store.history.list(ref)[0]?.actions[0], 'set memory=512');
  });

  test('ignored fields and policy ignore record no drift', async () => {
    const x = await setup({ 'pxr/drift': 'alert', 'pxr/drift-ignore': 'memory, tags' });
    x.setDrift([memDrift, { field: 'tags[0]', desired: 'a', actual: 'b' }]);
    await x.pass();
    assert.equal(conditionsOf(x.store, 'AppContainer', 'web').Drifted, undefined);
    assert.deepEqual(x.store.drift.list(ref), []);
    const y = await setup({ 'pxr/drift': 'ignore' });
    y.setDrift([memDrift]);
    await y.pass();
    assert.deepEqual(y.store.drift.list(ref), []);
  });

  test('an unknown pxr/drift value falls back to correct and warns once', async () => {
    const x = await setup({ 'pxr/drift': 'alrt' });
    await x.pass();
    await x.pass();
    const ev = x.store.events.list({ ref }).filter((e) => e.reason === 'InvalidAnnotation');
    assert.equal(ev.length, 1);
    assert.equal(ev[0]?.count, 1);
    assert.equal(x.r.calls[0]?.ctx.driftPolicy, 'correct');
  });
});
