/**
 * The alerts the runtime raises besides drift, each on a transition (never on every pass), written
 * to the outbox in the same transaction as the status that caused it:
 *  - Failing: an object's passes failed `failingAfterAttempts` times in a row, or for
 *    `failingAfterMs` (warning), and Recovered once a pass succeeds again;
 *  - Stalled: a terminal error stopped retries until the spec changes (critical), and Unstalled;
 *  - Pruned: an object's document was removed and pxr deleted what it had created (info);
 *  - PruneRefused: the mass-deletion guard kept objects whose documents vanished (warning);
 *  - a kind's own states (`ObjectOutcome.alerts`, e.g. a certificate overdue for renewal), when
 *    they start and when they end.
 * Keys are `<reason family>/<kind>/<name>/<firing|resolved>`: stable, so retries and repeats dedup.
 */
import type { OutcomeAlert, StoredObject } from './kind.js';
import { isConditionTrue } from './conditions.js';
import type { StorePort } from './store-port.js';
import type { StatusRecord } from './store-port.js';

export interface AlertThresholds {
  /** Consecutive failed passes before `Failing` fires. @default 5 */
  failingAfterAttempts?: number;
  /** Or: failing for this long. @default 600_000 */
  failingAfterMs?: number;
}

/** `failing`, `stalled`, or a kind's own alert key. */
type Family = string;

function firing(store: StorePort, family: Family, obj: StoredObject): boolean {
  const on = store.alerts.get(`${family}/${obj.kind}/${obj.name}/firing`);
  if (!on) return false;
  const off = store.alerts.get(`${family}/${obj.kind}/${obj.name}/resolved`);
  return !off || off.createdAt < on.createdAt;
}

function raise(
  store: StorePort,
  family: Family,
  state: 'firing' | 'resolved',
  obj: StoredObject,
  body: { reason: string; message: string; severity: 'info' | 'warning' | 'critical' },
  now: number,
): void {
  store.alerts.enqueue(
    `${family}/${obj.kind}/${obj.name}/${state}`,
    {
      kind: obj.kind,
      name: obj.name,
      uid: obj.uid,
      labels: obj.labels,
      status: state,
      ...body,
      at: now,
    },
    now,
  );
}

/** Consecutive failed passes so far (the one being recorded included) and since when. */
function failureRun(
  store: StorePort,
  obj: StoredObject,
  now: number,
): { count: number; since: number } {
  let count = 1;
  let since = now;
  for (const h of store.history.list(obj)) {
    if (h.result !== 'error') break;
    count++;
    since = h.startedAt;
  }
  return { count, since };
}

/** Called by record-pass for every recorded pass, with the status before and after. */
export function objectTransitions(
  store: StorePort,
  obj: StoredObject,
  prev: StatusRecord,
  next: StatusRecord,
  error: Error | undefined,
  now: number,
  t: AlertThresholds = {},
): void {
  const failed = next.lastResult === 'error';
  if (failed && !firing(store, 'failing', obj)) {
    const run = failureRun(store, obj, now);
    if (
      run.count >= (t.failingAfterAttempts ?? 5) ||
      now - run.since >= (t.failingAfterMs ?? 600_000)
    ) {
      raise(
        store,
        'failing',
        'firing',
        obj,
        {
          reason: 'Failing',
          severity: 'warning',
          message: `failing for ${run.count} attempts: ${error?.message ?? 'unknown error'}`,
        },
        now,
      );
    }
  } else if (!failed && next.lastResult !== 'stalled' && firing(store, 'failing', obj)) {
    raise(
      store,
      'failing',
      'resolved',
      obj,
      { reason: 'Recovered', severity: 'info', message: 'reconciles succeed again' },
      now,
    );
  }
  const wasStalled = isConditionTrue(prev.conditions, 'Stalled');
  const isStalled = isConditionTrue(next.conditions, 'Stalled');
  if (isStalled && !wasStalled) {
    const c = next.conditions.find((x) => x.type === 'Stalled');
    raise(
      store,
      'stalled',
      'firing',
      obj,
      {
        reason: 'Stalled',
        severity: 'critical',
        message: `${c?.reason ?? 'Stalled'}: ${c?.message ?? ''}`,
      },
      now,
    );
  } else if (!isStalled && wasStalled && firing(store, 'stalled', obj)) {
    raise(
      store,
      'stalled',
      'resolved',
      obj,
      { reason: 'Unstalled', severity: 'info', message: 'no longer stalled' },
      now,
    );
  }
}

/** A kind's own alerting states: raised when one starts, resolved when it ends. */
export function outcomeAlertTransitions(
  store: StorePort,
  obj: StoredObject,
  alerts: readonly OutcomeAlert[],
  now: number,
): void {
  for (const a of alerts) {
    const on = firing(store, a.key, obj);
    if (a.firing === on) continue;
    const body = { reason: a.reason, severity: a.severity, message: a.message };
    raise(store, a.key, a.firing ? 'firing' : 'resolved', obj, body, now);
  }
}

/** The object's finalizer is done: what pxr had created for it is gone. */
export function prunedTransition(store: StorePort, obj: StoredObject, now: number): void {
  raise(
    store,
    'pruned',
    'resolved',
    obj,
    {
      reason: 'Pruned',
      severity: 'info',
      message: `its document was removed from ${obj.sourceFile}; cleanup finished, no longer managed`,
    },
    now,
  );
}

/** The object is gone: whatever still fires for it (an expiry alert, Failing) is resolved. */
export function deletedTransitions(store: StorePort, obj: StoredObject, now: number): void {
  for (const family of store.alerts.familiesOf(obj.kind, obj.name)) {
    if (!firing(store, family, obj)) continue;
    const message = `${obj.kind}/${obj.name} was deleted; no longer managed`;
    raise(store, family, 'resolved', obj, { reason: 'Deleted', severity: 'info', message }, now);
  }
}

/** The mass-deletion guard refused to prune (one alert per refusal text). */
export function pruneRefusedTransition(store: StorePort, message: string, now: number): void {
  store.alerts.enqueue(
    'source/manifests/PruneRefused',
    {
      kind: 'source',
      name: 'manifests',
      reason: 'PruneRefused',
      severity: 'warning',
      status: 'firing',
      message,
      at: now,
    },
    now,
  );
}
