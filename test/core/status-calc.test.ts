/**
 * nextStatus, table-driven: from the previous status and one pass, the conditions the runtime owns,
 * the generations, the observed facts and the result. Re-applying the same pass must give the same
 * status (the store then writes nothing).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { nextStatus, type PassResult, type StatusInput } from '../../src/core/status-calc.js';
import { TerminalError } from '../../src/core/errors.js';
import { emptyStatus } from '../../src/store/status-repo.js';
import type { StatusRecord } from '../../src/store/status-repo.js';

const NOW = 1_000;

function cond(st: StatusRecord): Record<string, string> {
  return Object.fromEntries(st.conditions.map((c) => [c.type, `${c.status}/${c.reason}`]));
}

function run(
  pass: PassResult,
  prev = emptyStatus(),
  extra: Partial<StatusInput> = {},
): StatusRecord {
  return nextStatus({ prev, generation: 3, now: NOW, pass, ...extra });
}

const readyPrev = run({ type: 'outcome', outcome: { observed: { vmid: 100 } } });

interface Row {
  name: string;
  pass: PassResult;
  prev?: StatusRecord;
  drift?: StatusInput['drift'];
  conditions: Record<string, string>;
  observedGeneration: number;
  stalledGeneration: number | null;
  observed: Record<string, unknown>;
  result: StatusRecord['lastResult'];
}

const rows: Row[] = [
  {
    name: 'a clean outcome is Ready at this generation and keeps the observed facts it returned',
    pass: { type: 'outcome', outcome: { observed: { vmid: 100 } } },
    conditions: { Ready: 'True/Reconciled' },
    observedGeneration: 3,
    stalledGeneration: null,
    observed: { vmid: 100 },
    result: 'ok',
  },
  {
    name: 'notReady is Ready=False and Reconciling with its reason; the generation stays',
    pass: { type: 'outcome', outcome: { notReady: { reason: 'Waiting', message: 'w' } } },
    conditions: { Ready: 'False/Waiting', Reconciling: 'True/Waiting' },
    observedGeneration: 0,
    stalledGeneration: null,
    observed: {},
    result: 'requeue',
  },
  {
    name: 'an error keeps the last observed facts and retries',
    prev: readyPrev,
    pass: { type: 'error', error: new Error('boom') },
    conditions: { Ready: 'False/ReconcileError', Reconciling: 'True/ProgressingWithRetry' },
    observedGeneration: 3,
    stalledGeneration: null,
    observed: { vmid: 100 },
    result: 'error',
  },
  {
    name: 'a terminal error stalls this generation',
    pass: { type: 'terminal', error: new TerminalError('BadSpec', 'no') },
    conditions: { Ready: 'False/BadSpec', Stalled: 'True/BadSpec' },
    observedGeneration: 0,
    stalledGeneration: 3,
    observed: {},
    result: 'stalled',
  },
  {
    name: 'a finalize pass keeps the observed facts it returned (a deletion task in flight)',
    prev: readyPrev,
    pass: {
      type: 'finalizing',
      reason: 'Deleting',
      message: 'destroying',
      outcome: { observed: { vmid: 100, task: { upid: 'U', node: 'pve', op: 'destroy' } } },
    },
    conditions: { Ready: 'False/Deleting', Reconciling: 'True/Deleting' },
    observedGeneration: 3,
    stalledGeneration: null,
    observed: { vmid: 100, task: { upid: 'U', node: 'pve', op: 'destroy' } },
    result: 'requeue',
  },
  {
    name: 'a blocked deletion (no outcome) keeps the previous observed facts',
    prev: readyPrev,
    pass: { type: 'finalizing', reason: 'DeletionBlocked', message: 'waiting' },
    conditions: { Ready: 'False/DeletionBlocked', Reconciling: 'True/DeletionBlocked' },
    observedGeneration: 3,
    stalledGeneration: null,
    observed: { vmid: 100 },
    result: 'requeue',
  },
  {
    name: 'open drift sets Drifted=True',
    pass: { type: 'outcome', outcome: {} },
    drift: { open: [{ field: 'cores', desired: 2, actual: 1 }], corrected: [] },
    conditions: { Ready: 'True/Reconciled', Drifted: 'True/DriftDetected' },
    observedGeneration: 3,
    stalledGeneration: null,
    observed: {},
    result: 'ok',
  },
  {
    name: 'corrected drift sets Drifted=False/DriftCorrected',
    pass: { type: 'outcome', outcome: {} },
    drift: { open: [], corrected: [{ field: 'cores', desired: 2, actual: 1 }] },
    conditions: { Ready: 'True/Reconciled', Drifted: 'False/DriftCorrected' },
    observedGeneration: 3,
    stalledGeneration: null,
    observed: {},
    result: 'ok',
  },
  {
    name: 'drift gone after Drifted=True is DriftResolved',
    prev: run({ type: 'outcome', outcome: {} }, emptyStatus(), {
      drift: { open: [{ field: 'cores', desired: 2, actual: 1 }], corrected: [] },
    }),
    pass: { type: 'outcome', outcome: {} },
    drift: { open: [], corrected: [] },
    conditions: { Ready: 'True/Reconciled', Drifted: 'False/DriftResolved' },
    observedGeneration: 3,
    stalledGeneration: null,
    observed: {},
    result: 'ok',
  },
];

describe('nextStatus', () => {
  for (const row of rows) {
    test(row.name, () => {
      const next = run(row.pass, row.prev, row.drift ? { drift: row.drift } : {});
      assert.deepEqual(cond(next), row.conditions);
      assert.equal(next.observedGeneration, row.observedGeneration);
      assert.equal(next.stalledGeneration, row.stalledGeneration);
      assert.deepEqual(next.observed, row.observed);
      assert.equal(next.lastResult, row.result);
      // The same pass again, later: nothing changes but the reconcile time.
      const again = nextStatus({
        prev: next,
        generation: 3,
        now: NOW + 500,
        pass: row.pass,
        ...(row.drift ? { drift: row.drift } : {}),
      });
      assert.deepEqual({ ...again, lastReconcileAt: NOW }, next);
    });
  }
});
