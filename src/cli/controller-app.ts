/**
 * Builds and starts the controller: store, kinds with their reconcilers, manager, manifest watcher
 * and the HTTP probe. `pxr run` and the end-to-end tests both use it, so tests exercise exactly what
 * users run.
 */
import { dirname, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { Clock } from '../core/clock.js';
import type { KindDefinition } from '../core/kind.js';
import { Manager } from '../core/manager.js';
import type { IngestOptions } from '../core/ingest.js';
import type { BackoffOptions } from '../core/backoff.js';
import { createKindDeps } from '../kinds/kind-module.js';
import { kindDefinitions } from '../kinds/registry.js';
import type { PveClient } from '../pve/types.js';
import { watchManifests, type ManifestWatcher } from '../source/watcher.js';
import { formatIssue } from '../source/format.js';
import {
  addressConflicts,
  conflictMessage,
  type AddressConflict,
} from '../source/address-conflicts.js';
import type { SourceIssue } from '../source/types.js';
import { SOURCE_REF } from '../core/ingest.js';
import { openStore, type Store } from '../store/store.js';
import { lockDatabase, type DbLock } from './db-lock.js';
import { startHttpServer, type HttpProbe } from './http-server.js';
import { createMetrics } from './metrics.js';
import { Notifier, type NotifierOptions } from '../alerts/notifier.js';
import { ALERT_DEFAULTS, type AlertsConfig } from './alerts-config.js';
import { SourceHealth } from './source-health.js';

export interface ControllerAppOptions {
  manifests: string;
  /** Where alerts go (pxr.yaml `alerts:`); omitted = none configured. */
  alerts?: AlertsConfig;
  /** Notifier overrides (tests: a faster tick, a fake poster). */
  notifier?: Partial<Pick<NotifierOptions, 'tickMs' | 'post' | 'random' | 'retryBaseMs'>>;
  /** SQLite path or `:memory:`. */
  db: string;
  /** The database lock, when the caller took it first (`pxr run` does, before anything starts); released with the app. */
  lock?: DbLock;
  clock: Clock;
  log: Logger;
  pve: PveClient;
  /** Per-kind sweep interval. */
  resyncMs: number;
  maxPruneRatio: number;
  /** HTTP probe; omitted = no HTTP server. */
  listen?: { host: string; port: number };
  /** Debounce of manifest changes. @default 300 */
  debounceMs?: number;
  /**
   * Per-kind reconciler overrides, by kind name (tests shorten task polling or bring their own
   * appliance transports): handed to each kind's `createReconciler`.
   */
  kindTuning?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** Reconciler backoff (tests shorten it). */
  backoff?: BackoffOptions;
}

export interface ControllerApp {
  store: Store;
  manager: Manager;
  watcher: ManifestWatcher;
  kinds: KindDefinition[];
  httpUrl?: string;
  /** What the HTTP endpoints answer, for a server the caller started itself. */
  probe: HttpProbe;
  /** Delivers alerts from the outbox to the sinks. */
  notifier: Notifier;
  /** Graceful stop: the watcher, then the controllers (running reconciles finish), then HTTP and the store. */
  stop(): Promise<void>;
}

/** Every registered kind with its reconciler, built from the shared dependencies. */
export function withReconcilers(
  pve: PveClient,
  clock: Clock,
  log: Logger,
  kindTuning: ControllerAppOptions['kindTuning'] = {},
  dataDir?: string,
): KindDefinition[] {
  const deps = createKindDeps(pve, clock, log, dataDir);
  return kindDefinitions().map((k) => ({
    ...k,
    reconciler: k.createReconciler(deps, kindTuning[k.kind] ?? {}),
  }));
}

/**
 * The kinds with their reconcilers and the manager running them, wired as `pxr run` wires them
 * (relations between kinds are the kinds' own watches, routed by the manager).
 */
export function createManager(
  store: Store,
  pve: PveClient,
  o: Pick<ControllerAppOptions, 'clock' | 'log' | 'resyncMs' | 'backoff' | 'kindTuning'> & {
    ingest?: IngestOptions;
    /** Where kinds keep files (certificate keys); default: beside the database file. */
    dataDir?: string;
  },
): { manager: Manager; kinds: KindDefinition[] } {
  const kinds = withReconcilers(pve, o.clock, o.log, o.kindTuning, o.dataDir);
  const manager = new Manager({
    store,
    clock: o.clock,
    log: o.log,
    kinds,
    resyncMs: o.resyncMs,
    ...(o.ingest ? { ingest: o.ingest } : {}),
    ...(o.backoff ? { backoff: o.backoff } : {}),
  });
  return { manager, kinds };
}

/** Key files live beside the database (none with `:memory:`). */
export function dataDirOf(db: string): { dataDir?: string } {
  return db === ':memory:' ? {} : { dataDir: dirname(resolve(db)) };
}

export async function startControllerApp(o: ControllerAppOptions): Promise<ControllerApp> {
  const lock = o.lock ?? lockDatabase(o.db, new Date(o.clock.now()));
  let store: Store;
  try {
    store = openStore(o.db, { clock: o.clock });
  } catch (err) {
    lock.release();
    throw err;
  }
  // Reconcilers holding connections (appliance ssh) close them when the manager stops.
  const { manager, kinds } = createManager(store, o.pve, {
    ...o,
    ingest: { maxPruneRatio: o.maxPruneRatio },
    ...dataDirOf(o.db),
  });
  // Located manifest errors become Warning events on the object they concern (or on the source), once
  // per distinct error: a file that stays broken does not write on every re-read.
  let reported = new Set<string>();
  const reportIssues = (issues: readonly SourceIssue[]): void => {
    const now = new Set<string>();
    store.transaction(() => {
      for (const issue of issues) {
        const message = formatIssue(issue);
        now.add(message);
        if (reported.has(message)) continue;
        const ref = issue.kind && issue.name ? { kind: issue.kind, name: issue.name } : SOURCE_REF;
        store.events.record(
          ref,
          { type: 'Warning', reason: 'InvalidManifest', message },
          o.clock.now(),
        );
      }
    });
    reported = now;
  };
  // Two documents claiming one address on one network: a Warning event on both, said once.
  const reportConflicts = (conflicts: readonly AddressConflict[], log: Logger): void => {
    store.transaction(() => {
      for (const c of conflicts) {
        for (const side of ['first', 'other'] as const) {
          const h = c[side];
          const ref = { kind: h.kind, name: h.name };
          const event = {
            type: 'Warning' as const,
            reason: 'AddressConflict',
            message: `${h.field}: ${conflictMessage(c, side)}`,
          };
          if (!store.objects.get(ref) || store.events.exists(ref, event)) continue;
          store.events.record(ref, event, o.clock.now());
          log.warn({ kind: h.kind, name: h.name, field: h.field }, event.message);
        }
      }
    });
  };
  const health = new SourceHealth(store, o.clock);
  const watcher = watchManifests({
    root: o.manifests,
    clock: o.clock,
    kinds,
    ...(o.debounceMs !== undefined ? { debounceMs: o.debounceMs } : {}),
    onSnapshot: (snapshot) => {
      health.ok();
      const r = manager.applySnapshot(snapshot);
      const log = o.log.child({ component: 'source' });
      reportIssues(snapshot.issues);
      reportConflicts(addressConflicts(snapshot.docs, kinds), log);
      for (const issue of snapshot.issues) {
        log.warn(
          {
            file: issue.file,
            line: issue.line,
            column: issue.column,
            field: issue.field,
            kind: issue.kind,
            name: issue.name,
          },
          issue.message,
        );
      }
      if (
        r.inserted ||
        r.updated ||
        r.deletionRequested ||
        r.deletionCancelled ||
        r.orphaned.length ||
        r.pruneRefused
      ) {
        log.info(
          {
            files: snapshot.fileCount,
            docs: snapshot.docs.length,
            revision: snapshot.revision,
            inserted: r.inserted,
            updated: r.updated,
            deletionRequested: r.deletionRequested,
            orphaned: r.orphaned.length,
            invalidFiles: snapshot.invalidFiles.length,
          },
          'manifests ingested',
        );
      }
      if (r.pruneRefused) log.warn({ reason: r.pruneRefused }, 'prune refused');
    },
    onError: (err) => {
      health.failed(err);
      o.log.error({ err, component: 'source' }, 'manifest source error');
    },
  });
  // The notifier is built once the controllers run; /metrics reads its counters when it exists.
  let notifier: Notifier | undefined = undefined;
  const metrics = createMetrics({
    manager,
    pve: o.pve,
    store,
    clock: o.clock,
    source: health,
    alerts: { stats: () => notifier?.stats() ?? {} },
  });
  const probe: HttpProbe = {
    healthy: () => true,
    ready: () => {
      const failure = health.failure();
      if (failure !== undefined) {
        return { ready: false, reason: `manifest source failing: ${failure}` };
      }
      return manager.isReady()
        ? { ready: true }
        : { ready: false, reason: 'first sweep not finished' };
    },
    metrics: () => metrics.render(),
  };
  let http: Awaited<ReturnType<typeof startHttpServer>> | undefined;
  try {
    // The probe address first: a taken port must fail start-up before anything is reconciled.
    if (o.listen) http = await startHttpServer(o.listen, probe);
    // The first full snapshot is ingested before any worker runs: nothing is pruned or created from
    // a half-read folder.
    await watcher.start();
  } catch (err) {
    // Start-up failed (port taken, folder missing): release what was opened so the process can exit.
    await watcher.close();
    await manager.stop(0);
    await http?.close();
    metrics.close();
    store.close();
    lock.release();
    throw err;
  }
  manager.start();
  const alerts = o.alerts ?? { sinks: [], ...ALERT_DEFAULTS };
  notifier = new Notifier({
    store,
    clock: o.clock,
    log: o.log,
    sinks: alerts.sinks,
    groupWaitMs: alerts.groupWaitMs,
    groupIntervalMs: alerts.groupIntervalMs,
    repeatIntervalMs: alerts.repeatIntervalMs,
    ...o.notifier,
  });
  notifier.start();
  o.log.info(
    { component: 'alerts', sinks: alerts.sinks.map((s) => `${s.name} (${s.type})`) },
    alerts.sinks.length === 0
      ? 'alerts: no sinks configured — drift and failures are recorded (pxr get, pxr events) but nobody is told; see README "Alerts"'
      : `alerts go to ${alerts.sinks.map((s) => `${s.name} (${s.type})`).join(', ')}`,
  );
  let stopped = false;
  return {
    store,
    manager,
    watcher,
    kinds,
    probe,
    notifier,
    ...(http ? { httpUrl: http.url } : {}),
    async stop() {
      if (stopped) return;
      stopped = true;
      await watcher.close();
      await manager.stop();
      await notifier.stop();
      await http?.close();
      metrics.close();
      store.close();
      lock.release();
    },
  };
}
