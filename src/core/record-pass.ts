/**
 * Writes what one pass produced for one object: status (compare-then-write), drift records, events,
 * alerts on drift transitions, and a history row. Synchronous: the caller runs it inside one
 * transaction per group, after every await. A pass that changes nothing writes nothing.
 */
import {
  alertsOfError,
  type Condition,
  type DriftItem,
  type ObjectRef,
  type StoredObject,
} from './kind.js';
import { filterDrift, type DriftSettings } from './drift-policy.js';
import {
  describeDrift,
  nextStatus,
  passResult,
  type DriftSummary,
  type PassResult,
} from './status-calc.js';
import { getCondition, isConditionTrue } from './conditions.js';
import {
  objectTransitions,
  outcomeAlertTransitions,
  deletedTransitions,
  prunedTransition,
} from './alert-transitions.js';
import type { StorePort } from './store-port.js';
import type { EventInput } from './store-port.js';
import { emptyStatus, type ReconcileResult } from './store-port.js';

export interface ObjectPass {
  obj: StoredObject;
  pass: PassResult;
  settings: DriftSettings;
}

export interface PassMeta {
  reconcileId: string;
  startedAt: number;
  durationMs: number;
  now: number;
}

export interface RecordedPass {
  result: ReconcileResult;
  actions: string[];
  /** Ready went from not-True to True (dependents may proceed). */
  becameReady: boolean;
  /** The status changed (and was written): watches of other kinds may care. */
  wroteStatus: boolean;
  /** Drift of this pass that counts (after the drift policy), and whether it was corrected. */
  drift: { items: DriftItem[]; corrected: boolean; changed: boolean };
  /** The Ready condition before and after the pass (what a log line says changed). */
  prevReady: Condition | undefined;
  nextReady: Condition | undefined;
  /** Stalled became True in this pass. */
  stalled: boolean;
}

export function recordObjectPass(store: StorePort, p: ObjectPass, meta: PassMeta): RecordedPass {
  const { obj, pass, settings } = p;
  const ref: ObjectRef = { kind: obj.kind, name: obj.name };
  const now = meta.now;
  const prev = store.status.get(ref) ?? emptyStatus();
  const events: EventInput[] = [];
  let drift: DriftSummary | undefined;
  let driftTransitions = 0;
  const outcome = pass.type === 'outcome' ? pass.outcome : undefined;
  if (outcome) {
    const items = filterDrift(outcome.drift ?? [], settings);
    const corrected = items.length > 0 && outcome.driftCorrected === true;
    for (const item of items) {
      const t = store.drift.observe(ref, item, corrected, now);
      if (t === 'unchanged') continue;
      driftTransitions++;
      const transition = t === 'corrected' ? 'corrected' : 'detected';
      events.push(
        t === 'corrected'
          ? { type: 'Normal', reason: 'DriftCorrected', message: describeDrift([item]) }
          : { type: 'Warning', reason: 'DriftDetected', message: describeDrift([item]) },
      );
      store.alerts.enqueue(
        `drift/${ref.kind}/${ref.name}/${item.field}/${transition}`,
        {
          ...ref,
          uid: obj.uid,
          labels: obj.labels,
          field: item.field,
          transition,
          desired: item.desired,
          actual: item.actual,
          at: now,
        },
        now,
      );
    }
    const seen = new Set(items.map((d) => d.field));
    for (const field of store.drift.resolveMissing(ref, seen, now)) {
      driftTransitions++;
      events.push({
        type: 'Normal',
        reason: 'DriftResolved',
        message: `${field}: reality matches the desired state again`,
      });
      store.alerts.enqueue(
        `drift/${ref.kind}/${ref.name}/${field}/resolved`,
        { ...ref, uid: obj.uid, labels: obj.labels, field, transition: 'resolved', at: now },
        now,
      );
    }
    drift = corrected ? { open: [], corrected: items } : { open: items, corrected: [] };
    if (settings.invalidValue !== undefined) {
      const e: EventInput = {
        type: 'Warning',
        reason: 'InvalidAnnotation',
        message: `pxr/drift: unknown value ${JSON.stringify(settings.invalidValue)}; using ${settings.policy}`,
      };
      if (!store.events.exists(ref, e)) events.push(e); // once, not a count bump every pass
    }
  }
  const next = nextStatus({
    prev,
    generation: obj.generation,
    now,
    pass,
    ...(drift ? { drift } : {}),
  });
  const wroteStatus = store.status.put(ref, next, now);
  const failure = pass.type === 'error' || pass.type === 'terminal' ? pass.error : undefined;
  objectTransitions(store, obj, prev, next, failure, now);
  const declared = outcome?.alerts ?? (failure ? alertsOfError(failure) : undefined);
  if (declared) outcomeAlertTransitions(store, obj, declared, now);
  const result = passResult(pass);
  const finalizing = pass.type === 'finalizing' ? pass.outcome : undefined;
  const actions = outcome?.actions ?? finalizing?.actions ?? [];
  const becameReady =
    isConditionTrue(next.conditions, 'Ready') && !isConditionTrue(prev.conditions, 'Ready');
  // Every pass that acted is an event (creating a container, starting a task, deleting), also
  // when the object is not Ready yet; otherwise becoming Ready is one.
  if (actions.length > 0) {
    const reason =
      pass.type === 'finalizing' ? 'Deleting' : outcome?.notReady ? 'Progressing' : 'Reconciled';
    events.push({ type: 'Normal', reason, message: actions.join('; ') });
  } else if (pass.type === 'outcome' && !outcome?.notReady && becameReady) {
    events.push({ type: 'Normal', reason: 'Ready', message: 'Reconciliation succeeded' });
  }
  if (pass.type === 'error') {
    events.push({ type: 'Warning', reason: 'ReconcileError', message: pass.error.message });
  }
  if (pass.type === 'terminal') {
    events.push({ type: 'Warning', reason: pass.error.reason, message: pass.error.message });
  }
  events.push(...(outcome?.events ?? finalizing?.events ?? []));
  for (const e of events) store.events.record(ref, e, now);
  const noop =
    (result === 'ok' || result === 'requeue') &&
    actions.length === 0 &&
    !wroteStatus &&
    events.length === 0 &&
    driftTransitions === 0;
  if (!noop) {
    const error =
      pass.type === 'error' || pass.type === 'terminal' ? pass.error.message : undefined;
    store.history.record(ref, {
      reconcileId: meta.reconcileId,
      startedAt: meta.startedAt,
      durationMs: meta.durationMs,
      result,
      actions,
      ...(error !== undefined ? { error } : {}),
    });
  }
  return {
    result,
    actions,
    becameReady,
    wroteStatus,
    drift: {
      items: [...(drift?.open ?? []), ...(drift?.corrected ?? [])],
      corrected: (drift?.corrected.length ?? 0) > 0,
      changed: driftTransitions > 0,
    },
    prevReady: getCondition(prev.conditions, 'Ready'),
    nextReady: getCondition(next.conditions, 'Ready'),
    stalled:
      isConditionTrue(next.conditions, 'Stalled') && !isConditionTrue(prev.conditions, 'Stalled'),
  };
}

/** The finalizer is done: drop it and remove the object (events stay). */
export function recordFinalized(store: StorePort, obj: StoredObject, now: number): void {
  const ref: ObjectRef = { kind: obj.kind, name: obj.name };
  store.objects.setFinalizers(ref, [], now);
  store.removeObject(ref);
  deletedTransitions(store, obj, now);
  prunedTransition(store, obj, now);
  store.events.record(
    ref,
    { type: 'Normal', reason: 'Deleted', message: 'cleanup finished; removed from the store' },
    now,
  );
}
