/** Turns the runtime's and the Proxmox client's counters into Prometheus metric families. */
import type { MetricsSnapshot } from '../core/metrics.js';
import type { CallStats } from '../pve/types.js';
import type { MetricFamily } from './prometheus.js';

export function metricFamilies(
  m: MetricsSnapshot,
  calls: Record<string, CallStats>,
  nowMs: number,
  /** Manifest source health (see SourceHealth); omitted by callers without a watcher. */
  source?: { up: boolean; errors: number },
): MetricFamily[] {
  type Kind = MetricsSnapshot['kinds'][number];
  /** One gauge sample per kind (kinds whose value is null are left out). */
  const perKind = (name: string, help: string, f: (k: Kind) => number | null): MetricFamily => ({
    name,
    help,
    type: 'gauge',
    samples: m.kinds.flatMap((k) => {
      const value = f(k);
      return value === null ? [] : [{ labels: { kind: k.kind }, value }];
    }),
  });
  const callRows = Object.entries(calls).map(([route, s]) => {
    const sp = route.indexOf(' ');
    return { labels: { method: route.slice(0, sp), route: route.slice(sp + 1) }, s };
  });
  /** One counter sample per Proxmox route (`GET /nodes/{node}/network`). */
  const perRoute = (name: string, help: string, f: (s: CallStats) => number): MetricFamily => ({
    name,
    help,
    type: 'counter',
    samples: callRows.map((r) => ({ labels: r.labels, value: f(r.s) })),
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
    ...(source
      ? [
          {
            name: 'pxr_source_up',
            help: 'The last read of the manifests folder succeeded (0: failing, last snapshot kept).',
            type: 'gauge' as const,
            samples: [{ value: source.up ? 1 : 0 }],
          },
          {
            name: 'pxr_source_errors_total',
            help: 'Manifest folder read and watch failures.',
            type: 'counter' as const,
            samples: [{ value: source.errors }],
          },
        ]
      : []),
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
    perKind('pxr_queue_depth', 'Keys waiting per kind.', (k) => k.queueDepth),
    perKind('pxr_queue_in_flight', 'Keys being reconciled per kind.', (k) => k.inFlight),
    perKind('pxr_queue_delayed', 'Delayed requeues (backoff, waits) per kind.', (k) => k.delayed),
    perKind(
      'pxr_last_reconcile_age_seconds',
      'Seconds since the last finished reconcile per kind (a heartbeat).',
      (k) => (k.lastReconcileAt === null ? null : (nowMs - k.lastReconcileAt) / 1000),
    ),
    perRoute('pxr_pve_requests_total', 'Proxmox API requests by method and route.', (s) => s.count),
    perRoute('pxr_pve_request_errors_total', 'Proxmox API requests that failed.', (s) => s.errors),
    perRoute(
      'pxr_pve_request_seconds_total',
      'Time spent in Proxmox API requests.',
      (s) => s.totalMs / 1000,
    ),
  ];
}
