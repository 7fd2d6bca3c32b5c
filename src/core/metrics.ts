/**
 * In-memory counters for /metrics. The CLI/HTTP layer renders them as Prometheus text; this module
 * only counts (no I/O, no clock reads: callers pass times).
 */
import type { ReconcileResult } from './store-port.js';

/** Upper bounds (seconds) of the reconcile duration histogram. */
export const DURATION_BUCKETS_S: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
];

export interface Histogram {
  /** Cumulative counts per upper bound, as Prometheus `le` buckets (the +Inf bucket is `count`). */
  buckets: { le: number; count: number }[];
  sum: number;
  count: number;
}

export interface KindMetrics {
  kind: string;
  reconciles: Record<ReconcileResult, number>;
  durationSeconds: Histogram;
  /** Keys waiting to be processed. */
  queueDepth: number;
  /** Keys being processed now. */
  inFlight: number;
  /** Delayed re-adds (backoff, requeueAfter) not yet due. */
  delayed: number;
  /** Clock ms of the last finished reconcile (heartbeat: converged passes are not persisted). */
  lastReconcileAt: number | null;
  /** Clock ms of the last reconcile that ended `ok`. */
  lastSuccessAt: number | null;
}

/** Called on every finished reconcile, for exporters that keep their own histograms. */
export type ReconcileListener = (result: ReconcileResult, durationSeconds: number) => void;

export interface MetricsSnapshot {
  ready: boolean;
  snapshotsApplied: number;
  kinds: KindMetrics[];
}

export class KindCounters {
  readonly reconciles: Record<ReconcileResult, number> = {
    ok: 0,
    error: 0,
    requeue: 0,
    stalled: 0,
  };
  private readonly bucketCounts = DURATION_BUCKETS_S.map(() => 0);
  private sum = 0;
  private count = 0;
  lastReconcileAt: number | null = null;
  lastSuccessAt: number | null = null;
  private readonly listeners = new Set<ReconcileListener>();

  /** Returns the unsubscribe function. */
  listen(listener: ReconcileListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  record(result: ReconcileResult, durationMs: number, at: number): void {
    this.reconciles[result]++;
    const s = durationMs / 1000;
    this.sum += s;
    this.count++;
    DURATION_BUCKETS_S.forEach((le, i) => {
      if (s <= le) this.bucketCounts[i] = (this.bucketCounts[i] ?? 0) + 1;
    });
    this.lastReconcileAt = at;
    if (result === 'ok') this.lastSuccessAt = at;
    for (const l of this.listeners) l(result, s);
  }

  histogram(): Histogram {
    return {
      buckets: DURATION_BUCKETS_S.map((le, i) => ({ le, count: this.bucketCounts[i] ?? 0 })),
      sum: this.sum,
      count: this.count,
    };
  }
}
