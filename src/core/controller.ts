/**
 * One controller per kind (controller-runtime's reconcileHandler, in TypeScript).
 * For each group key taken from the work queue:
 *  1. load the group's objects from the store;
 *  2. finalize those whose deletion was requested — unless kinds depending on this one still have
 *     deletions pending (deletions run in reverse dependency order);
 *  3. reconcile the live ones (skipping those stalled at their current generation);
 *  4. record status, drift, events, alerts and history for every object in one transaction — on
 *     every exit path, including a reconciler that throws a non-Error or rejects;
 *  5. requeue: backoff on error, `requeueAfterMs` when asked, nothing after a TerminalError.
 * Conditions set: Ready, Reconciling, Stalled, Drifted (plus the kind's own).
 */
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { Logger } from 'pino';
import type { Clock } from './clock.js';
import { isTerminal, PxrError, toError } from './errors.js';
import { DEFAULT_RESYNC_MS } from './resync.js';
import { planAndAdmit, planAndApply } from './plan-apply.js';
import { retryAfterOfError } from './kind.js';
import type { Admission } from './admit.js';
import type {
  AdmittedPlan,
  DriftItem,
  KindDefinition,
  ObjectRef,
  ObjectEvent,
  ObjectOutcome,
  ObjectReader,
  PlanContext,
  ResourceRef,
  ReconcileContext,
  Reconciler,
  StoredObject,
} from './kind.js';
import { driftSettings, isSuspended } from './drift-policy.js';
import { withSignal } from './cancel.js';
import { inventoryOwnership } from './ownership.js';
import { storeReader } from './reader.js';
import type { BackoffOptions } from './backoff.js';
import { WorkQueue } from './work-queue.js';
import { KindCounters } from './metrics.js';
import type { PassResult } from './status-calc.js';
import { recordFinalized, recordObjectPass, type ObjectPass } from './record-pass.js';
import { passLogLines } from './pass-log.js';
import type { StorePort } from './store-port.js';
import type { ReconcileResult } from './store-port.js';

export interface ControllerOptions {
  def: KindDefinition;
  store: StorePort;
  clock: Clock;
  log: Logger;
  /** Reconciles of this kind running at once. @default 4 */
  concurrency?: number;
  /** Enqueue every group this often, to sweep reality for drift; 0 disables. @default DEFAULT_RESYNC_MS */
  resyncMs?: number;
  backoff?: BackoffOptions;
  /** Kinds that depend on this one, transitively: their pending deletions block ours. */
  dependents?: readonly string[];
  /** Recheck delay while deletion is blocked by dependents. @default 5000 */
  deletionWaitMs?: number;
  /** Requeue delay for `notReady` outcomes that set no `requeueAfterMs`. @default 5000 */
  notReadyRequeueMs?: number;
  /** A reconcile or finalize running longer fails with RECONCILE_TIMEOUT; 0 disables. @default 600_000 */
  reconcileTimeoutMs?: number;
  /**
   * A stalled object (terminal error) is tried again this long after stalling, doubling per failed
   * try up to `stalledRetryMaxMs`: reality may change (the VMID freed, the template downloaded).
   * @default 300_000
   */
  stalledRetryMs?: number;
  /** @default 21_600_000 (6 h) */
  stalledRetryMaxMs?: number;
  /** Called after objects of this kind were finalized and removed. */
  onFinalized?: (kind: string) => void;
  /** Called when an object of this kind became Ready. */
  onReady?: (ref: ObjectRef) => void;
  /** Called after every processed key (readiness tracking). */
  onProcessed?: (kind: string, key: string) => void;
  /** Called for each object whose status a pass changed (watches of other kinds). */
  onStatusChanged?: (obj: StoredObject) => void;
  /** Called with the objects a pass finalized and removed (watches of other kinds). */
  onRemoved?: (objs: readonly StoredObject[]) => void;
  /** Reads for the reconcile context. @default a reader over `store` */
  reader?: ObjectReader;
}

/** One object as `pxr diff` sees it. */
export type PlannedObject =
  | {
      obj: StoredObject;
      state: 'planned';
      plan: AdmittedPlan;
      /** Drift that counts under the object's policy. */
      drift: DriftItem[];
    }
  | { obj: StoredObject; state: 'deleting' | 'suspended' }
  | { obj: StoredObject; state: 'error'; error: Error };

const SEVERITY: Record<ReconcileResult, number> = { ok: 0, requeue: 1, stalled: 2, error: 3 };

type Results<T> =
  | { ok: true; map: Map<string, T | Error> }
  /** `settled`: after a timeout, resolves once the abandoned call has really ended. */
  | { ok: false; error: Error; settled?: Promise<void> };

/** Events a reconciler recorded through `ctx.recordEvent`, written with the pass. */
type ContextEvents = { obj: StoredObject; event: ObjectEvent }[];

export class Controller {
  readonly kind: string;
  readonly queue: WorkQueue;
  readonly counters = new KindCounters();
  private readonly reconciler: Reconciler;
  private readonly reader: ObjectReader;
  private readonly aborter = new AbortController();
  private cancelResync: (() => void) | undefined;
  /** Group key → member names, valid for one `objects.version` (a sweep must not be O(n²)). */
  private groupIndex: { version: number; groups: Map<string, string[]> } | undefined;
  private running = false;
  /** uid@generation of stalled objects → when to try again, and how many tries failed. */
  private readonly stalledRetry = new Map<string, { at: number; tries: number }>();

  constructor(private readonly o: ControllerOptions) {
    if (!o.def.reconciler) throw new Error(`kind ${o.def.kind} has no reconciler`);
    this.kind = o.def.kind;
    this.reconciler = o.def.reconciler;
    this.reader = o.reader ?? storeReader(o.store);
    // Every reconcile in flight listens on the stop signal (removed when it ends): as many listeners
    // as the concurrency, which is not a leak.
    setMaxListeners(0, this.aborter.signal);
    this.queue = new WorkQueue({
      clock: o.clock,
      concurrency: o.concurrency ?? 4,
      autoStart: false,
      handler: (key) => this.reconcileKey(key),
      onError: (key, err) => o.log.error({ err, controller: this.kind, key }, 'work queue error'),
      ...(o.backoff ? { backoff: o.backoff } : {}),
    });
  }

  /** The group key of an object; a throwing `groupKey` falls back to the name (and is logged). */
  groupKeyOf(obj: StoredObject): string {
    try {
      return this.reconciler.groupKey(obj);
    } catch (err) {
      this.o.log.error({ err, controller: this.kind, name: obj.name }, 'groupKey threw');
      return obj.name;
    }
  }

  enqueue(key: string): void {
    this.queue.add(key);
  }

  /** Enqueues every group of this kind; returns the keys. */
  enqueueAll(filter?: (o: StoredObject) => boolean): string[] {
    const keys = new Set<string>();
    for (const obj of this.o.store.objects.list(this.kind)) {
      if (!filter || filter(obj)) keys.add(this.groupKeyOf(obj));
    }
    for (const k of keys) this.queue.add(k);
    return [...keys];
  }

  /** The objects of group `key`, through an index rebuilt only when objects were written. */
  private loadGroup(key: string): StoredObject[] {
    const version = this.o.store.objects.version;
    if (this.groupIndex?.version !== version) {
      const groups = new Map<string, string[]>();
      for (const obj of this.o.store.objects.list(this.kind)) {
        const k = this.groupKeyOf(obj);
        groups.set(k, [...(groups.get(k) ?? []), obj.name]);
      }
      this.groupIndex = { version, groups };
    }
    const out: StoredObject[] = [];
    for (const name of this.groupIndex.groups.get(key) ?? []) {
      const obj = this.o.store.objects.get({ kind: this.kind, name });
      if (obj) out.push(obj);
    }
    return out;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.queue.start();
    this.scheduleResync();
  }

  /** Stops taking keys and waits (up to `timeoutMs`) for running reconciles, then aborts them. */
  async stop(timeoutMs: number): Promise<boolean> {
    this.running = false;
    this.cancelResync?.();
    const drained = await this.queue.shutdown(timeoutMs);
    if (!drained) this.aborter.abort(new Error('controller stopped'));
    return drained;
  }

  private scheduleResync(): void {
    const every = this.o.resyncMs ?? DEFAULT_RESYNC_MS;
    if (every <= 0 || !this.running) return;
    this.cancelResync = this.o.clock.setTimer(every, () => {
      if (!this.running) return;
      this.enqueueAll();
      this.scheduleResync();
    });
  }

  private context(
    objs: StoredObject[],
    reconcileId: string,
    log: Logger,
    signal: AbortSignal,
    events: ContextEvents,
  ): ReconcileContext {
    const byName = new Map(objs.map((x) => [x.name, x]));
    const observedOf = (name: string): Record<string, unknown> => {
      const obj = byName.get(name);
      return obj ? (this.o.store.status.get(obj)?.observed ?? {}) : {};
    };
    const first = objs[0];
    return {
      log,
      clock: this.o.clock,
      reconcileId,
      signal,
      get: (ref) => this.reader.get(ref),
      list: (kind, selector) => this.reader.list(kind, selector),
      getStatus: (ref) => this.reader.getStatus(ref),
      observed: first ? observedOf(first.name) : {},
      observedOf,
      ownership: inventoryOwnership(this.o.store.inventory, objs, this.o.clock),
      recordEvent: (name, event) => {
        const obj = byName.get(name);
        if (!obj) {
          log.warn({ name, event }, 'recordEvent for an object outside the group; dropped');
          return;
        }
        events.push({ obj, event: { ...event } });
      },
    };
  }

  /**
   * Calls the reconciler, turning a throw, a rejection, a malformed answer or a hang (longer than
   * `reconcileTimeoutMs` on the clock) into an error. The signal handed to the reconciler aborts on
   * timeout and on stop; it is also the ambient signal of everything the reconciler awaits, so the
   * Proxmox client and the appliance transports abort their calls with it. A timed-out call is not
   * forgotten: `settled` lets the caller keep the key until it has ended (never two at once).
   */
  private async call<T>(
    objs: StoredObject[],
    reconcileId: string,
    log: Logger,
    events: ContextEvents,
    fn: (ctx: ReconcileContext) => Promise<Map<string, T | Error>>,
  ): Promise<Results<T>> {
    const ac = new AbortController();
    const onStop = (): void => ac.abort(this.aborter.signal.reason);
    this.aborter.signal.addEventListener('abort', onStop, { once: true });
    const limit = this.o.reconcileTimeoutMs ?? 600_000;
    let cancelTimer = (): void => undefined;
    const timedOut = new Promise<never>((_resolve, reject) => {
      if (limit <= 0) return;
      cancelTimer = this.o.clock.setTimer(limit, () => {
        const err = new PxrError('RECONCILE_TIMEOUT', `reconcile timed out after ${limit} ms`, {
          context: { kind: this.kind, reconcileId },
        });
        ac.abort(err);
        reject(err);
      });
    });
    const ctx = this.context(objs, reconcileId, log, ac.signal, events);
    // A synchronous throw becomes a rejection here, inside the signal's scope.
    const work = withSignal(ac.signal, async () => fn(ctx));
    try {
      const map = await Promise.race([work, timedOut]);
      if (!(map instanceof Map)) {
        return { ok: false, error: new Error('reconciler returned no Map') };
      }
      return { ok: true, map };
    } catch (err) {
      const error = toError(err);
      if (ac.signal.aborted && ac.signal.reason === err) {
        const settled = work.then(
          () => undefined,
          () => undefined,
        );
        return { ok: false, error, settled };
      }
      return { ok: false, error };
    } finally {
      cancelTimer();
      this.aborter.signal.removeEventListener('abort', onStop);
    }
  }

  /**
   * `pxr diff`: plans every group of this kind exactly as a pass would — same context, signal and
   * timeout — and admits each plan under the object's drift policy, then stops: nothing is applied,
   * claimed or written.
   */
  async planAll(): Promise<PlannedObject[]> {
    const keys = [...new Set(this.o.store.objects.list(this.kind).map((o) => this.groupKeyOf(o)))];
    const results: PlannedObject[][] = [];
    // As many groups at once as the controller reconciles at once (a diff of 1,000 containers is
    // as fast as a sweep), each result kept in key order.
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < keys.length) {
        const i = next++;
        results[i] = await this.planGroup(keys[i]!);
      }
    };
    await Promise.all(Array.from({ length: this.o.concurrency ?? 4 }, worker));
    return results.flat();
  }

  private async planGroup(key: string): Promise<PlannedObject[]> {
    const out: PlannedObject[] = [];
    const live: StoredObject[] = [];
    for (const obj of this.loadGroup(key)) {
      if (obj.deletionRequested) out.push({ obj, state: 'deleting' });
      else if (isSuspended(obj.annotations)) out.push({ obj, state: 'suspended' });
      else live.push(obj);
    }
    if (live.length === 0) return out;
    const reconcileId = randomUUID();
    const log = this.o.log.child({ controller: this.kind, key, reconcileId, diff: true });
    const r = await this.call<Admission>(live, reconcileId, log, [], (ctx) => {
      const own = ctx.ownership;
      // Read-only: a plan may ask who owns what, never claim or release, nor record events.
      const ro: PlanContext = {
        ...ctx,
        ...(own && {
          ownership: {
            owns: (name: string, res: ResourceRef) => own.owns(name, res),
            owned: (name: string) => own.owned(name),
          },
        }),
      };
      delete (ro as { recordEvent?: unknown }).recordEvent;
      return planAndAdmit(this.reconciler, ro, live);
    });
    for (const obj of live) {
      const v = r.ok ? (r.map.get(obj.name) ?? missing(obj)) : r.error;
      out.push(
        v instanceof Error
          ? { obj, state: 'error', error: v }
          : { obj, state: 'planned', plan: v.plan, drift: v.drift },
      );
    }
    if (!r.ok && r.settled) await r.settled;
    return out;
  }

  private errorPass(err: Error): PassResult {
    return isTerminal(err) ? { type: 'terminal', error: err } : { type: 'error', error: err };
  }

  private async reconcileKey(key: string): Promise<void> {
    const reconcileId = randomUUID();
    const log = this.o.log.child({ controller: this.kind, key, reconcileId });
    const clock = this.o.clock;
    const startedAt = clock.now();
    /** Calls abandoned by a timeout: the key stays taken until they have ended. */
    const inFlight: Promise<void>[] = [];
    try {
      const group = this.loadGroup(key);
      if (group.length === 0) {
        this.queue.forget(key);
        return;
      }
      const passes: ObjectPass[] = [];
      const requeues: number[] = [];
      // A server's Retry-After (ACME rateLimited): the retry waits at least that long.
      let retryAfter = 0;
      const finalized: StoredObject[] = [];
      const ctxEvents: ContextEvents = [];
      const settle = (r: Results<unknown> | undefined): void => {
        if (r && !r.ok && r.settled) inFlight.push(r.settled);
      };
      const add = (obj: StoredObject, pass: PassResult): void => {
        passes.push({ obj, pass, settings: driftSettings(obj.annotations) });
      };
      const deleting = group.filter((x) => x.deletionRequested);
      const live = group.filter(
        (x) => !x.deletionRequested && !isSuspended(x.annotations) && !this.stalledNow(x),
      );
      if (deleting.length > 0) {
        settle(
          await this.finalizeGroup(deleting, reconcileId, log, ctxEvents, add, requeues, finalized),
        );
      }
      if (live.length > 0) {
        const r = await this.call(live, reconcileId, log, ctxEvents, (ctx) =>
          planAndApply(this.reconciler, ctx, live),
        );
        settle(r);
        for (const obj of live) {
          const v = r.ok ? (r.map.get(obj.name) ?? missing(obj)) : r.error;
          if (v instanceof Error) {
            add(obj, this.errorPass(v));
            retryAfter = Math.max(retryAfter, retryAfterOfError(v) ?? 0);
            continue;
          }
          add(obj, { type: 'outcome', outcome: v });
          if (v.requeueAfterMs !== undefined) requeues.push(v.requeueAfterMs);
          else if (v.notReady) requeues.push(this.o.notReadyRequeueMs ?? 5000);
        }
      }
      const now = clock.now();
      const meta = { reconcileId, startedAt, durationMs: now - startedAt, now };
      const recorded = this.o.store.transaction(() => {
        // The source may have changed while we awaited: skip objects that were removed or
        // re-created meanwhile, and never drop an object whose deletion was cancelled.
        const out = passes
          .filter((p) => this.stillSame(p.obj))
          .map((p) => ({ ref: p.obj, rec: recordObjectPass(this.o.store, p, meta) }));
        // Before recordFinalized: a finalized object must still be the same one to get its events.
        for (const { obj, event } of ctxEvents) {
          if (this.stillSame(obj)) this.o.store.events.record(obj, event, now);
        }
        for (const obj of finalized) {
          if (this.stillSame(obj)?.deletionRequested) recordFinalized(this.o.store, obj, now);
        }
        return out;
      });
      let result: ReconcileResult = 'ok';
      for (const { rec } of recorded) {
        if (SEVERITY[rec.result] > SEVERITY[result]) result = rec.result;
      }
      let retryInMs: number | undefined;
      if (result === 'error') {
        retryInMs = this.queue.addRateLimited(key, retryAfter);
      } else {
        this.queue.forget(key);
        if (requeues.length > 0) this.queue.addAfter(key, Math.min(...requeues));
      }
      // One line per object (a Bridge pass covers a node's bridges): a converged pass logs at debug.
      for (const { ref, rec } of recorded) {
        const objLog = log.child({ kind: ref.kind, name: ref.name });
        const retry = rec.result === 'error' ? retryInMs : undefined;
        for (const l of passLogLines(rec, meta.durationMs, retry)) objLog[l.level](l.fields, l.msg);
      }
      // After the lines above: what these notifications trigger (dependents, watches) logs later.
      for (const { ref, rec } of recorded) {
        if (rec.becameReady) this.o.onReady?.({ kind: ref.kind, name: ref.name });
        if (rec.wroteStatus) this.o.onStatusChanged?.(ref);
      }
      for (const obj of finalized) {
        log.info(
          { kind: obj.kind, name: obj.name },
          'deleted: cleanup finished, removed from the store',
        );
      }
      this.counters.record(result, meta.durationMs, now);
      if (finalized.length > 0) {
        this.o.onRemoved?.(finalized);
        this.o.onFinalized?.(this.kind);
      }
    } catch (err) {
      // The store itself failed (or a bug here): nothing could be recorded, so retry with backoff.
      const delay = this.queue.addRateLimited(key);
      const now = clock.now();
      this.counters.record('error', now - startedAt, now);
      log.error(
        { err, result: 'error', retryInMs: delay },
        'reconcile failed before status was written',
      );
    } finally {
      if (inFlight.length > 0) {
        log.warn('reconcile timed out; the key is held until the call still in flight ends');
        await Promise.all(inFlight);
        log.info('the timed-out call has ended; the key is free again');
      }
      this.o.onProcessed?.(this.kind, key);
    }
  }

  private stillSame(obj: StoredObject): StoredObject | undefined {
    const cur = this.o.store.objects.get(obj);
    return cur && cur.uid === obj.uid ? cur : undefined;
  }

  /**
   * Stalled at this generation and not due for another try. The first look at a stalled object
   * schedules its retry; each retry that stalls again doubles the wait (capped).
   */
  private stalledNow(obj: StoredObject): boolean {
    const key = `${obj.uid}@${obj.generation}`;
    if (this.o.store.status.get(obj)?.stalledGeneration !== obj.generation) {
      this.stalledRetry.delete(key);
      return false;
    }
    const now = this.o.clock.now();
    const base = this.o.stalledRetryMs ?? 300_000;
    const cap = this.o.stalledRetryMaxMs ?? 21_600_000;
    const r = this.stalledRetry.get(key);
    if (r === undefined) {
      this.stalledRetry.set(key, { at: now + base, tries: 0 });
      return true;
    }
    if (now < r.at) return true;
    r.tries++;
    r.at = now + Math.min(cap, base * 2 ** r.tries);
    return false;
  }

  /** `pxr reconcile`: the object's stalled wait and backoff are dropped and it is queued now. */
  reconcileNow(obj: StoredObject): void {
    this.stalledRetry.set(`${obj.uid}@${obj.generation}`, { at: 0, tries: 0 });
    const key = this.groupKeyOf(obj);
    this.queue.forget(key);
    this.queue.add(key);
  }

  private async finalizeGroup(
    deleting: StoredObject[],
    reconcileId: string,
    log: Logger,
    ctxEvents: ContextEvents,
    add: (obj: StoredObject, pass: PassResult) => void,
    requeues: number[],
    finalized: StoredObject[],
  ): Promise<Results<'done' | ObjectOutcome> | undefined> {
    const dependents = this.o.dependents ?? [];
    const blocking = this.o.store.objects.countPendingDeletion(dependents);
    if (blocking > 0) {
      const message = `waiting for ${blocking} object(s) of dependent kinds (${dependents.join(', ')}) to be deleted first`;
      for (const obj of deleting)
        add(obj, { type: 'finalizing', reason: 'DeletionBlocked', message });
      requeues.push(this.o.deletionWaitMs ?? 5000);
      return undefined;
    }
    const r = await this.call<'done' | ObjectOutcome>(
      deleting,
      reconcileId,
      log,
      ctxEvents,
      (ctx) => this.reconciler.finalize(ctx, deleting),
    );
    for (const obj of deleting) {
      const v = r.ok ? (r.map.get(obj.name) ?? missing(obj)) : r.error;
      if (v === 'done') finalized.push(obj);
      else if (v instanceof Error) add(obj, this.errorPass(v));
      else {
        const reason = v.notReady?.reason ?? 'Finalizing';
        const message = v.notReady?.message ?? (v.actions?.join('; ') || 'cleanup in progress');
        add(obj, { type: 'finalizing', reason, message, outcome: v });
        requeues.push(v.requeueAfterMs ?? this.o.notReadyRequeueMs ?? 5000);
      }
    }
    return r;
  }
}

function missing(obj: StoredObject): Error {
  return new Error(`reconciler returned no outcome for ${obj.kind}/${obj.name}`);
}
