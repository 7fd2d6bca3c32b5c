/**
 * Pure status computation: from the previous status and what one pass produced, the next status and
 * the result. The runtime owns Ready/Reconciling/Stalled/Drifted (Flux's finalizeStatus rules);
 * everything else in the previous status is kept. Messages are stable strings so that re-asserting
 * the same state yields an identical status and the store writes nothing.
 */
import type { Condition, DriftItem, ObjectOutcome } from './kind.js';
import { getCondition, removeCondition, setCondition } from './conditions.js';
import type { ReconcileResult, StatusRecord } from './store-port.js';
import type { TerminalError } from './errors.js';

export type PassResult =
  | { type: 'outcome'; outcome: ObjectOutcome }
  | { type: 'error'; error: Error }
  | { type: 'terminal'; error: TerminalError }
  /** Deletion in progress (finalizer asked to requeue, or blocked by dependents). */
  | { type: 'finalizing'; reason: string; message: string; outcome?: ObjectOutcome };

export interface DriftSummary {
  /** Drift present and left in place (policy `alert`). */
  open: DriftItem[];
  /** Drift found and corrected in this pass. */
  corrected: DriftItem[];
}

export interface StatusInput {
  prev: StatusRecord;
  generation: number;
  now: number;
  pass: PassResult;
  drift?: DriftSummary;
}

const MAX_MESSAGE = 1024;

function clip(s: string): string {
  return s.length > MAX_MESSAGE ? `${s.slice(0, MAX_MESSAGE - 1)}…` : s;
}

/** `field: desired X, actual Y; ...` for conditions and events. */
export function describeDrift(items: readonly DriftItem[]): string {
  return clip(
    items
      .map(
        (d) =>
          `${d.field}: desired ${JSON.stringify(d.desired) ?? 'undefined'}, actual ${JSON.stringify(d.actual) ?? 'undefined'}`,
      )
      .join('; '),
  );
}

export function passResult(pass: PassResult): ReconcileResult {
  switch (pass.type) {
    case 'error':
      return 'error';
    case 'terminal':
      return 'stalled';
    case 'finalizing':
      return 'requeue';
    case 'outcome':
      return pass.outcome.notReady || pass.outcome.requeueAfterMs !== undefined ? 'requeue' : 'ok';
  }
}

export function nextStatus(input: StatusInput): StatusRecord {
  const { prev, now, pass } = input;
  let c: Condition[] = prev.conditions;
  let observedGeneration = prev.observedGeneration;
  let stalledGeneration = prev.stalledGeneration;
  let observed = prev.observed;
  switch (pass.type) {
    case 'outcome': {
      const o = pass.outcome;
      if (o.notReady) {
        c = setCondition(c, { type: 'Ready', status: 'False', ...o.notReady }, now);
        c = setCondition(c, { type: 'Reconciling', status: 'True', ...o.notReady }, now);
      } else {
        c = setCondition(
          c,
          {
            type: 'Ready',
            status: 'True',
            reason: 'Reconciled',
            message: 'Reconciliation succeeded',
          },
          now,
        );
        c = removeCondition(c, 'Reconciling');
        observedGeneration = input.generation;
      }
      c = removeCondition(c, 'Stalled');
      stalledGeneration = null;
      if (o.observed) observed = o.observed;
      for (const extra of o.conditions ?? []) c = setCondition(c, extra, now);
      if (input.drift) c = driftCondition(c, input.drift, now);
      break;
    }
    case 'error': {
      const message = clip(pass.error.message);
      c = setCondition(
        c,
        { type: 'Ready', status: 'False', reason: 'ReconcileError', message },
        now,
      );
      c = setCondition(
        c,
        { type: 'Reconciling', status: 'True', reason: 'ProgressingWithRetry', message },
        now,
      );
      c = removeCondition(c, 'Stalled');
      break;
    }
    case 'terminal': {
      const cond = { reason: pass.error.reason, message: clip(pass.error.message) };
      c = setCondition(c, { type: 'Ready', status: 'False', ...cond }, now);
      c = setCondition(c, { type: 'Stalled', status: 'True', ...cond }, now);
      c = removeCondition(c, 'Reconciling');
      stalledGeneration = input.generation;
      break;
    }
    case 'finalizing': {
      const cond = { reason: pass.reason, message: clip(pass.message) };
      c = setCondition(c, { type: 'Ready', status: 'False', ...cond }, now);
      c = setCondition(c, { type: 'Reconciling', status: 'True', ...cond }, now);
      c = removeCondition(c, 'Stalled');
      // A deletion task in flight lives here: a restarted controller polls it, not a new one.
      if (pass.outcome?.observed) observed = pass.outcome.observed;
      break;
    }
  }
  return {
    ...prev,
    conditions: c,
    observedGeneration,
    stalledGeneration,
    observed,
    lastReconcileAt: now,
    lastResult: passResult(pass),
  };
}

function driftCondition(c: Condition[], drift: DriftSummary, now: number): Condition[] {
  if (drift.open.length > 0) {
    return setCondition(
      c,
      {
        type: 'Drifted',
        status: 'True',
        reason: 'DriftDetected',
        message: describeDrift(drift.open),
      },
      now,
    );
  }
  if (drift.corrected.length > 0) {
    return setCondition(
      c,
      {
        type: 'Drifted',
        status: 'False',
        reason: 'DriftCorrected',
        message: describeDrift(drift.corrected),
      },
      now,
    );
  }
  if (getCondition(c, 'Drifted')?.status === 'True') {
    return setCondition(
      c,
      {
        type: 'Drifted',
        status: 'False',
        reason: 'DriftResolved',
        message: 'reality matches the desired state again',
      },
      now,
    );
  }
  return c;
}
