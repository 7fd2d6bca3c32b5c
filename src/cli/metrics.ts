/**
 * `/metrics` through prom-client. One Registry per app (tests run several apps in one process, so the
 * global default registry is never used). Gauges and counters read the live state when scraped
 * (`collect`); the two histograms are fed by the manager's and the Proxmox client's listeners.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Clock } from '../core/clock.js';
import type { Manager } from '../core/manager.js';
import type { Store } from '../store/store.js';
import type { PveClient } from '../pve/types.js';

/** Upper bounds (seconds) shared by the reconcile and Proxmox call histograms. */
const BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** Conditions counted per kind even when no object has them, so a dashboard sees a 0, not a gap. */
const CONDITIONS = ['Ready', 'Stalled', 'Drifted'] as const;

export interface MetricsSources {
  manager: Manager;
  pve: Pick<PveClient, 'calls' | 'onCall'>;
  store: Store;
  clock: Clock;
  /** Manifest source health (see SourceHealth); omitted by callers without a watcher. */
  source?: { metrics(): { up: boolean; errors: number } };
  /** Alert delivery counters per sink (the Notifier). */
  alerts?: { stats(): Record<string, { sent: number; failed: number }> };
}

export interface AppMetrics {
  registry: Registry;
  /** Prometheus text exposition. */
  render(): Promise<string>;
  /** Stops listening to the manager and the client; later scrapes no longer read the store. */
  close(): void;
}

export function createMetrics(s: MetricsSources): AppMetrics {
  const registry = new Registry();
  const registers = [registry];
  let closed = false;
  collectDefaultMetrics({ register: registry });

  /** A gauge (or counter) whose samples are recomputed from the live state at each scrape. */
  const live = <L extends string>(
    type: typeof Gauge | typeof Counter,
    name: string,
    help: string,
    labelNames: readonly L[],
    read: () => Iterable<[Partial<Record<L, string>>, number]>,
  ): void => {
    const metric: Gauge<L> | Counter<L> = new type<L>({
      name,
      help,
      labelNames,
      registers,
      collect() {
        metric.reset();
        for (const [labels, value] of read()) {
          if (!Number.isFinite(value)) continue;
          if (metric instanceof Gauge) metric.set(labels, value);
          else metric.inc(labels, value);
        }
      },
    });
  };
  const kinds = (): ReturnType<Manager['metrics']>['kinds'] => s.manager.metrics().kinds;
  const perKind = (f: (k: ReturnType<typeof kinds>[number]) => number | null) =>
    function* (): Iterable<[{ kind: string }, number]> {
      for (const k of kinds()) {
        const v = f(k);
        if (v !== null) yield [{ kind: k.kind }, v];
      }
    };
  /** Proxmox per-route counters, keyed `METHOD /route/{template}`. */
  const perRoute = (f: (c: { count: number; errors: number; totalMs: number }) => number) =>
    function* (): Iterable<[{ method: string; route: string }, number]> {
      for (const [key, c] of Object.entries(s.pve.calls())) {
        const sp = key.indexOf(' ');
        yield [{ method: key.slice(0, sp), route: key.slice(sp + 1) }, f(c)];
      }
    };

  live(Gauge, 'pxr_ready', 'First snapshot ingested and first sweep done.', [], function* () {
    yield [{}, s.manager.isReady() ? 1 : 0];
  });
  live(Counter, 'pxr_source_snapshots_total', 'Manifest snapshots ingested.', [], function* () {
    yield [{}, s.manager.metrics().snapshotsApplied];
  });
  const source = s.source;
  if (source) {
    live(
      Gauge,
      'pxr_source_up',
      'The last read of the manifests folder succeeded (0: failing, last snapshot kept).',
      [],
      function* () {
        yield [{}, source.metrics().up ? 1 : 0];
      },
    );
    live(
      Counter,
      'pxr_source_errors_total',
      'Manifest folder read and watch failures.',
      [],
      function* () {
        yield [{}, source.metrics().errors];
      },
    );
  }

  live(
    Counter,
    'pxr_reconcile_total',
    'Reconciles by kind and result.',
    ['kind', 'result'],
    function* () {
      for (const k of kinds()) {
        for (const [result, n] of Object.entries(k.reconciles)) yield [{ kind: k.kind, result }, n];
      }
    },
  );
  const reconcileSeconds = new Histogram({
    name: 'pxr_reconcile_duration_seconds',
    help: 'Reconcile duration by kind and result.',
    labelNames: ['kind', 'result'],
    buckets: BUCKETS_S,
    registers,
  });
  const offReconcile = s.manager.onReconcile((kind, result, seconds) =>
    reconcileSeconds.observe({ kind, result }, seconds),
  );
  live(
    Gauge,
    'pxr_queue_depth',
    'Keys waiting per kind.',
    ['kind'],
    perKind((k) => k.queueDepth),
  );
  live(
    Gauge,
    'pxr_queue_in_flight',
    'Keys being reconciled per kind.',
    ['kind'],
    perKind((k) => k.inFlight),
  );
  live(
    Gauge,
    'pxr_queue_delayed',
    'Delayed requeues (backoff, waits) per kind.',
    ['kind'],
    perKind((k) => k.delayed),
  );
  live(
    Gauge,
    'pxr_last_reconcile_age_seconds',
    'Seconds since the last finished reconcile per kind (a heartbeat).',
    ['kind'],
    perKind((k) =>
      k.lastReconcileAt === null ? null : (s.clock.now() - k.lastReconcileAt) / 1000,
    ),
  );
  live(
    Gauge,
    'pxr_last_success_timestamp_seconds',
    'Unix time of the last reconcile per kind that ended ok (sweeps included).',
    ['kind'],
    perKind((k) => (k.lastSuccessAt === null ? null : k.lastSuccessAt / 1000)),
  );

  live(
    Gauge,
    'pxr_objects',
    'Objects per kind whose condition is True (Ready, Stalled, Drifted, ...).',
    ['kind', 'condition'],
    function* () {
      if (closed) return;
      const counts = new Map<string, number>();
      for (const k of kinds()) for (const c of CONDITIONS) counts.set(`${k.kind}\0${c}`, 0);
      for (const r of s.store.status.trueConditionCounts()) {
        counts.set(`${r.kind}\0${r.type}`, r.count);
      }
      for (const [key, n] of counts) {
        const [kind = '', condition = ''] = key.split('\0');
        yield [{ kind, condition }, n];
      }
    },
  );
  live(
    Gauge,
    'pxr_drifted_objects',
    'Objects per kind with open (unresolved) drift records.',
    ['kind'],
    function* () {
      if (closed) return;
      const counts = new Map(kinds().map((k) => [k.kind, 0]));
      for (const key of s.store.drift.openCounts().keys()) {
        const kind = key.slice(0, key.indexOf('/'));
        counts.set(kind, (counts.get(kind) ?? 0) + 1);
      }
      for (const [kind, n] of counts) yield [{ kind }, n];
    },
  );

  live(
    Gauge,
    'pxr_certificate_expiry_seconds',
    'Seconds until the notAfter of each issued Certificate (negative once expired).',
    ['name'],
    function* () {
      if (closed) return;
      for (const o of s.store.objects.list('Certificate')) {
        const at = s.store.status.get(o)?.observed['notAfter'];
        if (typeof at === 'string')
          yield [{ name: o.name }, (Date.parse(at) - s.clock.now()) / 1000];
      }
    },
  );
  live(
    Counter,
    'pxr_pve_requests_total',
    'Proxmox API requests by method and route.',
    ['method', 'route'],
    perRoute((c) => c.count),
  );
  live(
    Counter,
    'pxr_pve_request_errors_total',
    'Proxmox API requests that failed.',
    ['method', 'route'],
    perRoute((c) => c.errors),
  );
  live(
    Counter,
    'pxr_pve_request_seconds_total',
    'Time spent in Proxmox API requests.',
    ['method', 'route'],
    perRoute((c) => c.totalMs / 1000),
  );
  const callSeconds = new Histogram({
    name: 'pxr_pve_request_duration_seconds',
    help: 'Proxmox API request latency by method, route template and HTTP status (595/596: network).',
    labelNames: ['method', 'route', 'status'],
    buckets: BUCKETS_S,
    registers,
  });
  const offCalls = s.pve.onCall?.((c) =>
    callSeconds.observe({ method: c.method, route: c.route, status: String(c.status) }, c.seconds),
  );

  const alerts = s.alerts;
  if (alerts) {
    live(Counter, 'pxr_alerts_sent_total', 'Alert messages delivered per sink.', ['sink'], () =>
      Object.entries(alerts.stats()).map(([sink, st]) => [{ sink }, st.sent]),
    );
    live(
      Counter,
      'pxr_alerts_failed_total',
      'Alert delivery attempts that failed per sink.',
      ['sink'],
      () => Object.entries(alerts.stats()).map(([sink, st]) => [{ sink }, st.failed]),
    );
  }
  live(
    Gauge,
    'pxr_alert_outbox_depth',
    'Alert deliveries waiting in the outbox per sink.',
    ['sink'],
    function* () {
      if (closed) return;
      for (const [sink, n] of s.store.deliveries.pendingCounts()) yield [{ sink }, n];
    },
  );

  return {
    registry,
    render: () => registry.metrics(),
    close: () => {
      closed = true;
      offReconcile();
      offCalls?.();
    },
  };
}
