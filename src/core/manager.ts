/**
 * The manager wires one controller per registered kind to the store and the source:
 * it ingests snapshots (enqueueing what changed — everything on the first one), starts and stops the
 * controllers, knows when pxr is ready (first snapshot ingested and every group reconciled once),
 * and exposes counters for /metrics.
 */
import type { Logger } from 'pino';
import type { Clock } from './clock.js';
import type { KindDefinition, ObjectReader, ObjectRef, StoredObject } from './kind.js';
import { storeReader } from './reader.js';
import { ConvergenceLog } from './convergence.js';
import type { BackoffOptions } from './backoff.js';
import { Controller, type PlannedObject } from './controller.js';
import { DEFAULT_RESYNC_MS } from './resync.js';
import { applySnapshot, type ApplyResult, type IngestOptions } from './ingest.js';
import type { MetricsSnapshot } from './metrics.js';
import type { SourceSnapshot } from './manifest.js';
import type { ReconcileResult, StorePort } from './store-port.js';

export interface ManagerOptions {
  store: StorePort;
  clock: Clock;
  log: Logger;
  kinds: readonly KindDefinition[];
  /** Reconciles running at once per kind. @default 4 */
  concurrency?: number;
  /** Periodic resync per kind; 0 disables. @default DEFAULT_RESYNC_MS (30 s) */
  resyncMs?: number;
  backoff?: BackoffOptions;
  ingest?: IngestOptions;
  /** How long `stop()` waits for running reconciles. @default 30_000 */
  shutdownTimeoutMs?: number;
  deletionWaitMs?: number;
  notReadyRequeueMs?: number;
  /** See ControllerOptions.reconcileTimeoutMs. @default 600_000 */
  reconcileTimeoutMs?: number;
  /** How often `pxr reconcile` requests are looked for. @default 1000 */
  requestPollMs?: number;
}

/** Store meta keys `reconcile/<kind>/<name>`: requests of `pxr reconcile`. */
export const RECONCILE_REQUEST = 'reconcile/';

/** Kinds that depend on `kind`, directly or through others. */
export function dependentsOf(kind: string, kinds: readonly KindDefinition[]): string[] {
  const out = new Set<string>();
  const visit = (k: string): void => {
    for (const d of kinds) {
      if (d.dependsOn?.includes(k) && !out.has(d.kind)) {
        out.add(d.kind);
        visit(d.kind);
      }
    }
  };
  visit(kind);
  out.delete(kind);
  return [...out].sort();
}

export class Manager {
  private readonly controllers = new Map<string, Controller>();
  private snapshots = 0;
  /** Group keys of the first sweep not processed yet; undefined before the first snapshot. */
  private firstSweep: Set<string> | undefined;
  private started = false;
  private readonly reader: ObjectReader;
  private readonly convergence: ConvergenceLog;
  /** Reconcile requests being served: meta key → `kind\0groupKey`. */
  private readonly requests = new Map<string, string>();
  private cancelPoll: (() => void) | undefined;

  constructor(private readonly o: ManagerOptions) {
    this.reader = storeReader(o.store);
    this.convergence = new ConvergenceLog(o.log.child({ component: 'manager' }), o.clock);
    for (const def of o.kinds) {
      if (!def.reconciler) continue;
      const c = new Controller({
        def,
        store: o.store,
        clock: o.clock,
        log: o.log,
        dependents: dependentsOf(def.kind, o.kinds),
        resyncMs: o.resyncMs ?? DEFAULT_RESYNC_MS,
        onFinalized: (kind) => this.onFinalized(kind),
        onReady: (ref) => this.onReady(ref),
        onProcessed: (kind, key) => {
          this.firstSweep?.delete(`${kind}\0${key}`);
          this.requestDone(kind, key);
        },
        onStatusChanged: (obj) => {
          this.convergence.set(obj, this.reader.getStatus(obj)?.ready === true);
          this.routeWatches(obj);
        },
        onRemoved: (objs) => {
          for (const obj of objs) {
            this.convergence.remove(obj);
            this.routeWatches(obj);
          }
        },
        reader: this.reader,
        ...(o.concurrency !== undefined ? { concurrency: o.concurrency } : {}),
        ...(o.backoff ? { backoff: o.backoff } : {}),
        ...(o.deletionWaitMs !== undefined ? { deletionWaitMs: o.deletionWaitMs } : {}),
        ...(o.notReadyRequeueMs !== undefined ? { notReadyRequeueMs: o.notReadyRequeueMs } : {}),
        ...(o.reconcileTimeoutMs !== undefined ? { reconcileTimeoutMs: o.reconcileTimeoutMs } : {}),
      });
      this.controllers.set(def.kind, c);
    }
  }

  /** `pxr diff`: every kind's plan, in dependency order (see Controller.planAll). */
  async planAll(): Promise<PlannedObject[]> {
    const out: PlannedObject[] = [];
    for (const def of this.o.kinds) {
      const c = this.controllers.get(def.kind);
      if (c) out.push(...(await c.planAll()));
    }
    return out;
  }

  controller(kind: string): Controller | undefined {
    return this.controllers.get(kind);
  }

  /**
   * Ingests a snapshot and enqueues the groups it changed. The first snapshot enqueues every group
   * (objects kept from a previous run included): that is the initial full sweep.
   */
  applySnapshot(snapshot: SourceSnapshot): ApplyResult {
    const res = applySnapshot(this.o.store, snapshot, this.o.ingest);
    if (res.deletionRequested > 0) this.dropUnmanagedDeletions();
    this.snapshots++;
    // Objects new or changed in the source are not Ready until a pass says so; the first snapshot
    // counts everything (objects kept from a previous run included).
    const refs = this.firstSweep === undefined ? this.o.store.objects.list() : res.changed;
    const readiness: [ObjectRef, boolean][] = [];
    for (const ref of refs) {
      const obj = this.o.store.objects.get(ref);
      if (obj && this.controllers.has(obj.kind))
        readiness.push([obj, this.reader.getStatus(obj)?.ready === true]);
    }
    this.convergence.setMany(readiness);
    if (this.firstSweep === undefined) {
      const pending = new Set<string>();
      for (const c of this.controllers.values()) {
        for (const key of c.enqueueAll()) pending.add(`${c.kind}\0${key}`);
      }
      this.firstSweep = pending;
      return res;
    }
    for (const ref of res.changed) this.enqueueRef(ref);
    for (const prev of res.previous) this.controllers.get(prev.kind)?.enqueue(this.keyOf(prev));
    // Other kinds watching these: both versions count (a member moved from one appliance to another
    // concerns both).
    for (const ref of res.changed) {
      const obj = this.o.store.objects.get(ref);
      if (obj) this.routeWatches(obj);
    }
    for (const prev of res.previous) this.routeWatches(prev);
    return res;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    for (const c of this.controllers.values()) c.start();
    this.pollRequests();
  }

  /**
   * `pxr reconcile KIND/NAME` writes `reconcile/<kind>/<name>` into the store; the running manager
   * looks every second, queues that object now (its stalled wait and backoff dropped) and deletes
   * the request once the pass is done, which is what the command waits for.
   */
  private pollRequests(): void {
    if (!this.started) return;
    this.cancelPoll = this.o.clock.setTimer(this.o.requestPollMs ?? 1000, () => {
      try {
        for (const metaKey of this.o.store.meta.keys(RECONCILE_REQUEST)) {
          if (this.requests.has(metaKey)) continue;
          const [kind = '', ...rest] = metaKey.slice(RECONCILE_REQUEST.length).split('/');
          const obj = this.o.store.objects.get({ kind, name: rest.join('/') });
          const c = this.controllers.get(kind);
          if (!obj || !c) {
            this.o.store.meta.delete(metaKey); // nothing to do: the command reports it
            continue;
          }
          this.requests.set(metaKey, `${kind}\0${c.groupKeyOf(obj)}`);
          this.o.log.info({ kind, name: obj.name }, 'reconcile requested');
          c.reconcileNow(obj);
        }
      } catch (err) {
        this.o.log.error({ err }, 'reading reconcile requests failed');
      }
      this.pollRequests();
    });
  }

  private requestDone(kind: string, key: string): void {
    for (const [metaKey, k] of this.requests) {
      if (k !== `${kind}\0${key}`) continue;
      this.requests.delete(metaKey);
      this.o.store.meta.delete(metaKey);
    }
  }

  /** Graceful stop: stop taking keys, wait for running reconciles (then abort them). */
  async stop(timeoutMs = this.o.shutdownTimeoutMs ?? 30_000): Promise<boolean> {
    this.started = false;
    this.cancelPoll?.();
    const r = await Promise.all([...this.controllers.values()].map((c) => c.stop(timeoutMs)));
    const drained = r.every(Boolean);
    if (!drained) this.o.log.warn({ timeoutMs }, 'stopped with reconciles still running');
    for (const def of this.o.kinds) {
      await def.reconciler
        ?.close?.()
        .catch((err: unknown) => this.o.log.error({ err, kind: def.kind }, 'closing failed'));
    }
    return drained;
  }

  /**
   * Resolves when no controller has a key queued or in flight (delayed requeues not counted).
   * Loops because one controller's pass can enqueue keys of another (dependencies, deletions).
   */
  async waitForIdle(): Promise<void> {
    for (;;) {
      await Promise.all([...this.controllers.values()].map((c) => c.queue.onIdle()));
      const busy = [...this.controllers.values()].some(
        (c) => c.queue.depth > 0 || c.queue.inFlight > 0,
      );
      if (!busy) return;
    }
  }

  /** For /readyz: the first snapshot was ingested and every group it held was reconciled once. */
  isReady(): boolean {
    return this.firstSweep !== undefined && this.firstSweep.size === 0;
  }

  metrics(): MetricsSnapshot {
    return {
      ready: this.isReady(),
      snapshotsApplied: this.snapshots,
      kinds: [...this.controllers.values()].map((c) => ({
        kind: c.kind,
        reconciles: { ...c.counters.reconciles },
        durationSeconds: c.counters.histogram(),
        queueDepth: c.queue.depth,
        inFlight: c.queue.inFlight,
        delayed: c.queue.delayed,
        lastReconcileAt: c.counters.lastReconcileAt,
        lastSuccessAt: c.counters.lastSuccessAt,
      })),
    };
  }

  /** Calls `listener` after every reconcile of every kind; returns the unsubscribe function. */
  onReconcile(
    listener: (kind: string, result: ReconcileResult, durationSeconds: number) => void,
  ): () => void {
    const offs = [...this.controllers.values()].map((c) =>
      c.counters.listen((result, s) => listener(c.kind, result, s)),
    );
    return () => offs.forEach((off) => off());
  }

  private keyOf(obj: StoredObject): string {
    return this.controllers.get(obj.kind)?.groupKeyOf(obj) ?? obj.name;
  }

  private enqueueRef(ref: ObjectRef): void {
    const c = this.controllers.get(ref.kind);
    const obj = this.o.store.objects.get(ref);
    if (c && obj) c.enqueue(c.groupKeyOf(obj));
  }

  /** Queues the objects that watches of other kinds map `obj` to. */
  private routeWatches(obj: StoredObject): void {
    for (const def of this.o.kinds) {
      for (const w of def.watches ?? []) {
        if (w.kind !== obj.kind) continue;
        let names: string[];
        try {
          names = w.map(obj, this.reader);
        } catch (err) {
          this.o.log.error(
            { err, kind: def.kind, watched: `${obj.kind}/${obj.name}` },
            'watch map threw',
          );
          continue;
        }
        for (const name of names) this.enqueueRef({ kind: def.kind, name });
      }
    }
  }

  /** Kinds without a controller created nothing in Proxmox: their deletions complete at once. */
  private dropUnmanagedDeletions(): void {
    for (const obj of this.o.store.objects.list()) {
      if (obj.deletionRequested && !this.controllers.has(obj.kind)) {
        this.o.store.removeObject(obj);
      }
    }
  }

  /** Deletions of `kind` finished: the kinds it depends on may now finalize theirs. */
  private onFinalized(kind: string): void {
    const def = this.o.kinds.find((d) => d.kind === kind);
    for (const dep of def?.dependsOn ?? []) {
      this.controllers.get(dep)?.enqueueAll((o) => o.deletionRequested);
    }
  }

  /** An object became Ready: dependents waiting on it (DependencyNotReady) can try again now. */
  private onReady(ref: ObjectRef): void {
    for (const def of this.o.kinds) {
      if (!def.dependsOn?.includes(ref.kind)) continue;
      this.controllers
        .get(def.kind)
        ?.enqueueAll((o) => !o.deletionRequested && !this.isReadyObject(o));
    }
  }

  private isReadyObject(o: StoredObject): boolean {
    const st = this.o.store.status.get(o);
    return (
      st !== undefined &&
      st.observedGeneration >= o.generation &&
      st.conditions.some((c) => c.type === 'Ready' && c.status === 'True')
    );
  }
}
