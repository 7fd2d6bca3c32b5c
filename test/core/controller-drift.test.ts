import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { DriftItem, ObjectOutcome, ObjectPlan } from '../../src/core/kind.js';
import { conditionsOf, doc, FakeReconciler, kind, rig, snap } from './helpers.js';

const ref = { kind: 'AppContainer', name: 'web' };
const memDrift: DriftItem = { field: 'memory', desired: 512, actual: 1024 };

/**
 * A reconciler whose plan reports `drift`, and whose apply acts on what the runtime admitted (the
 * drift policy is the runtime's: the kind never looks at it).
 */
function drifting(): { r: FakeReconciler; setDrift: (d: DriftItem[]) => void } {
  let drift: DriftItem[] = [];
  const r = new FakeReconciler();
  r.onPlan = async (_ctx, objs) =>
    new Map(
      objs.map((o): [string, ObjectPlan] => [
        o.name,
        { changes: drift.map((d) => ({ ...d, calls: ['PUT memory'], drift: true })) },
      ]),
    );
  r.onReconcile = async (_ctx, objs, plans) =>
    new Map(
      objs.map((o): [string, ObjectOutcome] => [
        o.name,
        { actions: (plans.get(o.name)?.changes ?? []).map((c) => `set ${c.field}=512`) },
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
    x.setDrift([memDrift]);
    await x.pass();
    const held = x.r.calls.at(-1)?.plans.get('web');
    assert.deepEqual(held?.changes, [], 'alert: apply is handed nothing to correct');
    assert.deepEqual(
      held?.held.map((c) => c.field),
      ['memory'],
    );
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
    x.setDrift([memDrift]);
    await x.pass();
    assert.deepEqual(
      x.r.calls
        .at(-1)
        ?.plans.get('web')
        ?.changes.map((c) => c.field),
      ['memory'],
      'correct: apply is handed the drift to correct',
    );
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
  });
});
