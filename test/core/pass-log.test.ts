/**
 * What a pass says (log lines, events): a converged pass is debug only; drift is one WARN naming field,
 * desired and actual; a new reason to wait is said once; every pass that acts is an event, Ready or not.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { passLogLines } from '../../src/core/pass-log.js';
import type { RecordedPass } from '../../src/core/record-pass.js';
import { doc, FakeReconciler, kind, rig, snap } from './helpers.js';

const ready = {
  type: 'Ready',
  status: 'True',
  reason: 'Reconciled',
  message: 'ok',
  lastTransitionTime: 0,
} as const;
const waiting = (message: string) =>
  ({
    type: 'Ready',
    status: 'False',
    reason: 'DependencyNotReady',
    message,
    lastTransitionTime: 0,
  }) as const;

function rec(over: Partial<RecordedPass>): RecordedPass {
  return {
    result: 'ok',
    actions: [],
    becameReady: false,
    wroteStatus: false,
    drift: { items: [], corrected: false, changed: false },
    prevReady: ready,
    nextReady: ready,
    stalled: false,
    ...over,
  };
}

const said = (r: RecordedPass, retry?: number): string[] =>
  passLogLines(r, 12, retry).map((l) => `${l.level} ${l.msg}`);

describe('passLogLines', () => {
  test('a converged pass is debug only', () => {
    assert.deepEqual(said(rec({})), ['debug reconciled, nothing to do']);
  });
  test('drift corrected is one WARN naming field, desired and actual', () => {
    const r = rec({
      actions: ['update vmbr1'],
      drift: {
        items: [{ field: 'mtu', desired: 1500, actual: 9000 }],
        corrected: true,
        changed: true,
      },
    });
    assert.deepEqual(said(r), ['warn drift corrected: mtu: desired 1500, actual 9000']);
  });
  test('drift left in place is said when it appears, not on every pass', () => {
    const item = { field: 'mtu', desired: 1500, actual: 9000 };
    assert.equal(
      said(rec({ drift: { items: [item], corrected: false, changed: true } }))[0]?.startsWith(
        'warn drift detected',
      ),
      true,
    );
    assert.deepEqual(said(rec({ drift: { items: [item], corrected: false, changed: false } })), [
      'debug reconciled, nothing to do',
    ]);
  });
  test('a new reason to wait is INFO once; the same wait again is debug', () => {
    const w = waiting('waiting for Bridge/lan to be Ready');
    assert.deepEqual(said(rec({ result: 'requeue', prevReady: ready, nextReady: w })), [
      'info waiting: DependencyNotReady: waiting for Bridge/lan to be Ready',
    ]);
    assert.deepEqual(said(rec({ result: 'requeue', prevReady: w, nextReady: w })), [
      'debug reconciled, nothing to do',
    ]);
  });
  test('an error is WARN with its retry when it changes, debug when it repeats', () => {
    const e = { ...waiting('boom'), reason: 'ReconcileError' };
    assert.deepEqual(said(rec({ result: 'error', prevReady: ready, nextReady: e }), 1500), [
      'warn boom; retrying in 1.5s',
    ]);
    assert.deepEqual(said(rec({ result: 'error', prevReady: e, nextReady: e }), 3000), [
      'debug boom; retrying in 3s',
    ]);
  });
  test('actions and becoming Ready are one INFO line', () => {
    assert.deepEqual(
      said(rec({ actions: ['created CT 101'], becameReady: true, prevReady: undefined })),
      ['info created CT 101 — Ready'],
    );
  });
});

describe('events of acting passes', () => {
  test('a pass that acts but is not Ready yet is a Progressing event (a container being created)', async () => {
    const r = new FakeReconciler();
    r.onReconcile = async (_ctx, objs) =>
      new Map(
        objs.map((o) => [
          o.name,
          {
            actions: ['creating CT 100'],
            notReady: { reason: 'Progressing', message: 'create of CT 100 in progress' },
            requeueAfterMs: 60_000,
          },
        ]),
      );
    const x = rig([kind('Bridge', r)]);
    x.manager.applySnapshot(snap([doc('Bridge', 'a')]));
    await x.manager.waitForIdle();
    const events = x.store.events.list({ ref: { kind: 'Bridge', name: 'a' } });
    assert.deepEqual(
      events.map((e) => [e.reason, e.message]),
      [['Progressing', 'creating CT 100']],
    );
  });
});
