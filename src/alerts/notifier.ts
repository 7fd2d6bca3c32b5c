/**
 * Delivers alerts from the outbox to the configured sinks, the way Alertmanager groups them:
 *  1. reminders: drift left in place (policy `alert`) is queued again every `repeatIntervalMs`;
 *  2. fan-out: due outbox rows (written by the runtime in the same transaction as the transition)
 *     become one pending delivery per sink that wants them, and the outbox row is acknowledged;
 *  3. per sink, pending deliveries are sent as ONE message once the oldest has waited `groupWaitMs`
 *     (transitions of one thing inside the window coalesce: "detected and corrected"), and not more
 *     often than every `groupIntervalMs` nor `ratePerMinute`;
 *  4. a failed send is retried with exponential backoff and jitter (or the sink's Retry-After).
 * Deliveries live in SQLite: a restart loses nothing and re-sends nothing a sink acknowledged.
 */
import type { Logger } from 'pino';
import type { Clock } from '../core/clock.js';
import type { Store } from '../store/store.js';
import type { DeliveryRecord } from '../store/alert-delivery-repo.js';
import { alertFromPayload, type Alert } from './alert.js';
import { httpPost, type Poster } from './post.js';
import { RENDERERS } from './render/index.js';
import { coalesce } from './render/text.js';
import { sinkWants, type SinkConfig } from './sink-config.js';
import { isSuspended } from '../core/drift-policy.js';

export interface NotifierOptions {
  store: Store;
  clock: Clock;
  log: Logger;
  sinks: readonly SinkConfig[];
  post?: Poster;
  /** How long the first alert of a group waits for others. @default 30_000 */
  groupWaitMs?: number;
  /** Least time between two messages to one sink. @default 300_000 */
  groupIntervalMs?: number;
  /** Drift still present is announced again after this long. @default 14_400_000 (4 h) */
  repeatIntervalMs?: number;
  /** How often the notifier looks for work. @default 1000 */
  tickMs?: number;
  /** Messages per minute per sink, at most. @default 20 */
  ratePerMinute?: number;
  /** Per-request timeout. @default 10_000 */
  timeoutMs?: number;
  /** First retry delay after a failed send; doubles per attempt up to `retryMaxMs`. @default 5000 */
  retryBaseMs?: number;
  /** @default 900_000 */
  retryMaxMs?: number;
  random?: () => number;
}

export interface SinkStats {
  sent: number;
  failed: number;
  lastError?: string;
}

interface SinkState {
  busy: boolean;
  lastSuccessAt?: number;
  /** Send times within the last minute (rate limit). */
  recent: number[];
  stats: SinkStats;
}

const OUTBOX_BATCH = 500;

export class Notifier {
  private readonly state = new Map<string, SinkState>();
  private cancelTick: (() => void) | undefined;
  private running = false;
  private ticking: Promise<void> | undefined;

  constructor(private readonly o: NotifierOptions) {
    for (const s of o.sinks)
      this.state.set(s.name, { busy: false, recent: [], stats: { sent: 0, failed: 0 } });
  }

  get sinks(): readonly SinkConfig[] {
    return this.o.sinks;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.cancelTick?.();
    await this.ticking;
  }

  stats(): Record<string, SinkStats> {
    return Object.fromEntries([...this.state].map(([k, v]) => [k, { ...v.stats }]));
  }

  private schedule(): void {
    if (!this.running) return;
    this.cancelTick = this.o.clock.setTimer(this.o.tickMs ?? 1000, () => {
      this.ticking = this.tick()
        .catch((err: unknown) =>
          this.o.log.error({ err, component: 'alerts' }, 'alert delivery failed'),
        )
        .finally(() => this.schedule());
    });
  }

  /** One round: fan out, remind, send what is due. Tests drive it directly on a manual clock. */
  async tick(): Promise<void> {
    const now = this.o.clock.now();
    this.remind(now);
    this.fanOut(now);
    await Promise.all(this.o.sinks.map((s) => this.flush(s, now)));
  }

  private fanOut(now: number): void {
    const { store } = this.o;
    store.transaction(() => {
      for (const row of store.alerts.claim(now, OUTBOX_BATCH, 60_000)) {
        const alert = alertFromPayload(row.payload);
        if (alert) {
          for (const sink of this.o.sinks) {
            if (sinkWants(sink, alert))
              store.deliveries.queue(sink.name, row.key, row.payload, now);
          }
        } else {
          this.o.log.warn({ component: 'alerts', key: row.key }, 'alert not understood; dropped');
        }
        store.alerts.ack(row.id, now);
      }
    });
  }

  /** Drift left in place is announced again every repeat interval, and not in between. */
  private remind(now: number): void {
    const every = this.o.repeatIntervalMs ?? 4 * 3_600_000;
    const { store } = this.o;
    store.transaction(() => {
      for (const d of store.drift.allOpen()) {
        if (now - d.detectedAt < every) continue;
        const key = `drift/${d.kind}/${d.name}/${d.field}/persisting`;
        const last = store.alerts.get(key);
        if (last && (last.acknowledgedAt === null || now - last.createdAt < every)) continue;
        const obj = store.objects.get(d);
        if (obj && isSuspended(obj.annotations)) continue; // suspended: reconciles and alerts paused
        const labels = obj?.labels ?? {};
        store.alerts.enqueue(
          key,
          {
            kind: d.kind,
            name: d.name,
            field: d.field,
            transition: 'persisting',
            desired: d.desired,
            actual: d.actual,
            since: d.detectedAt,
            labels,
            at: now,
          },
          now,
        );
      }
    });
  }

  private async flush(sink: SinkConfig, now: number): Promise<void> {
    const st = this.state.get(sink.name);
    if (!st || st.busy) return;
    const due = this.o.store.deliveries.pending(sink.name).filter((d) => d.nextAttemptAt <= now);
    if (due.length === 0) return;
    const oldest = Math.min(...due.map((d) => d.queuedAt));
    if (now < oldest + (this.o.groupWaitMs ?? 30_000)) return;
    const retrying = due.some((d) => d.attempts > 0);
    const interval = this.o.groupIntervalMs ?? 300_000;
    if (!retrying && st.lastSuccessAt !== undefined && now < st.lastSuccessAt + interval) return;
    st.recent = st.recent.filter((t) => now - t < 60_000);
    if (st.recent.length >= (this.o.ratePerMinute ?? 20)) return;
    st.busy = true;
    try {
      await this.send(sink, st, due, now);
    } finally {
      st.busy = false;
    }
  }

  private async send(
    sink: SinkConfig,
    st: SinkState,
    due: readonly DeliveryRecord[],
    now: number,
  ): Promise<void> {
    const alerts = due.flatMap((d) => {
      const a = alertFromPayload(d.payload);
      return a ? [a] : [];
    });
    const keys = due.map((d) => d.key);
    const result = await this.deliver(sink, alerts, now);
    st.recent.push(now);
    const log = this.o.log.child({ component: 'alerts', sink: sink.name });
    if (result.ok) {
      this.o.store.deliveries.markSent(sink.name, keys, this.o.clock.now());
      st.lastSuccessAt = now;
      st.stats.sent++;
      log.info({ alerts: alerts.length, status: result.status }, 'alerts sent');
      return;
    }
    const attempts = Math.max(...due.map((d) => d.attempts)) + 1;
    const delay = result.retryAfterMs ?? this.retryDelay(attempts);
    const error = result.error ?? 'failed';
    this.o.store.deliveries.markFailed(sink.name, keys, error, this.o.clock.now() + delay);
    st.stats.failed++;
    st.stats.lastError = error;
    log.warn({ alerts: alerts.length, error, retryInMs: delay, attempts }, 'alert delivery failed');
  }

  private deliver(sink: SinkConfig, alerts: readonly Alert[], now: number): ReturnType<Poster> {
    const req = RENDERERS[sink.type](sink, coalesce(alerts), { now, groupKey: sink.name });
    return (this.o.post ?? httpPost)(req, this.o.timeoutMs ?? 10_000);
  }

  private retryDelay(attempts: number): number {
    const base = this.o.retryBaseMs ?? 5000;
    const max = this.o.retryMaxMs ?? 900_000;
    const d = Math.min(max, base * 2 ** Math.max(0, attempts - 1));
    // Full jitter on the upper half: sinks recovering from an outage are not hit all at once.
    return Math.round(d / 2 + (d / 2) * (this.o.random ?? Math.random)());
  }

  /** `pxr alerts test`: one test message to every sink, now, outside grouping and the outbox. */
  async sendTest(): Promise<{ sink: string; ok: boolean; error?: string }[]> {
    const now = this.o.clock.now();
    const alert: Alert = {
      fingerprint: 'pxr/test/Test',
      reason: 'Test',
      status: 'firing',
      severity: 'info',
      kind: 'pxr',
      name: 'test',
      summary: 'pxr/test: a test message from pxr alerts test; delivery works',
      at: now,
      labels: {},
    };
    return Promise.all(
      this.o.sinks.map(async (s) => {
        const r = await this.deliver(s, [alert], now);
        return { sink: s.name, ok: r.ok, ...(r.error ? { error: r.error } : {}) };
      }),
    );
  }
}
