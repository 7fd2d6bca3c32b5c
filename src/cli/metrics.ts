/** Turns the runtime's and the Proxmox client's counters into Prometheus metric families. */
import type { MetricsSnapshot } from '../core/metrics.js';
import type { CallStats } from '../pve/types.js';
import type { MetricFamily } from './prometheus.js';

export function metricFamilies(
  m: MetricsSnapshot,
  calls: Record<string, CallStats>,
  nowMs: number,
): MetricFamily[] {
  const byKind = <T>(f: (k: MetricsSnapshot['kinds'][number]) => T): { kind: string; v: T }[] =>
    m.kinds.map((k) => ({ kind: k.kind, v: f(k) }));
  const callRows = Object.entries(calls).map(([route, s]) => {
    const sp = route.indexOf(' ');
    return { method: route.slice(0, sp), route: route.slice(sp + 1), s };
  });
  return [
    {
      name: 'pxr_ready',
      help: 'First snapshot ingested and first sweep done.',
      type: 'gauge',
      samples: [{ value: m.ready ? 1 : 0 }],
    },
    {
      name: 'pxr_source_snapshots_total',
      help: 'Manifest snapshots ingested.',
      type: 'counter',
      samples: [{ value: m.snapshotsApplied }],
    },
    {
      name: 'pxr_reconcile_total',
      help: 'Reconciles by kind and result.',
      type: 'counter',
      samples: m.kinds.flatMap((k) =>
        Object.entries(k.reconciles).map(([result, value]) => ({
          labels: { kind: k.kind, result },
          value,
        })),
      ),
    },
    {
      name: 'pxr_reconcile_duration_seconds',
      help: 'Reconcile duration by kind.',
      type: 'histogram',
      samples: m.kinds.flatMap((k) => [
        ...k.durationSeconds.buckets.map((b) => ({
          suffix: '_bucket',
          labels: { kind: k.kind, le: String(b.le) },
          value: b.count,
        })),
        { suffix: '_bucket', labels: { kind: k.kind, le: '+Inf' }, value: k.durationSeconds.count },
        { suffix: '_sum', labels: { kind: k.kind }, value: k.durationSeconds.sum },
        { suffix: '_count', labels: { kind: k.kind }, value: k.durationSeconds.count },
      ]),
    },
    {
      name: 'pxr_queue_depth',
      help: 'Keys waiting per kind.',
      type: 'gauge',
      samples: byKind((k) => k.queueDepth).map(({ kind, v }) => ({ labels: { kind }, value: v })),
    },
    {
      name: 'pxr_queue_in_flight',
      help: 'Keys being reconciled per kind.',
      type: 'gauge',
      samples: byKind((k) => k.inFlight).map(({ kind, v }) => ({ labels: { kind }, value: v })),
    },
    {
      name: 'pxr_queue_delayed',
      help: 'Delayed requeues (backoff, waits) per kind.',
      type: 'gauge',
      samples: byKind((k) => k.delayed).map(({ kind, v }) => ({ labels: { kind }, value: v })),
    },
    {
      name: 'pxr_last_reconcile_age_seconds',
      help: 'Seconds since the last finished reconcile per kind (a heartbeat).',
      type: 'gauge',
      samples: byKind((k) => k.lastReconcileAt)
        .filter(({ v }) => v !== null)
        .map(({ kind, v }) => ({ labels: { kind }, value: (nowMs - (v ?? nowMs)) / 1000 })),
    },
    {
      name: 'pxr_pve_requests_total',
      help: 'Proxmox API requests by method and route.',
      type: 'counter',
      samples: callRows.map((r) => ({
        labels: { method: r.method, route: r.route },
        value: r.s.count,
      })),
    },
    {
      name: 'pxr_pve_request_errors_total',
      help: 'Proxmox API requests that failed.',
      type: 'counter',
      samples: callRows.map((r) => ({
        labels: { method: r.method, route: r.route },
        value: r.s.errors,
      })),
    },
    {
      name: 'pxr_pve_request_seconds_total',
      help: 'Time spent in Proxmox API requests.',
      type: 'counter',
      samples: callRows.map((r) => ({
        labels: { method: r.method, route: r.route },
        value: r.s.totalMs / 1000,
      })),
    },
  ];
}
