import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Clock } from '../core/clock.js';
import { PxrError } from '../core/errors.js';
import type { ObjectRef } from '../core/kind.js';
import { AlertDeliveryRepo } from './alert-delivery-repo.js';
import { AlertsRepo } from './alerts-repo.js';
import { DriftRepo } from './drift-repo.js';
import { EventsRepo, type EventQuery, type EventRecord } from './events-repo.js';
import { HistoryRepo } from './history-repo.js';
import { InventoryRepo } from './inventory-repo.js';
import { MetaRepo } from './meta-repo.js';
import { migrate, SCHEMA_VERSION, schemaVersion } from './migrations.js';
import { ObjectsRepo } from './objects-repo.js';
import { describeObject, listObjectViews, type ObjectDetails, type ObjectView } from './queries.js';
import { StatusRepo } from './status-repo.js';
import type { StorePort } from '../core/store-port.js';

export interface StoreOptions {
  clock: Clock;
  /** Open for reading only (the CLI while `pxr run` writes). No migrations run. @default false */
  readonly?: boolean;
  /** How long a statement waits for a lock held by another connection. @default 5000 */
  busyTimeoutMs?: number;
  /** Events kept per object. @default 50 */
  eventsPerObject?: number;
  /** Reconcile runs kept per object. @default 20 */
  historyPerObject?: number;
}

/**
 * The SQLite store: one file in WAL mode so readers (the CLI) never block the writer (`pxr run`).
 * All writes are synchronous, short transactions; never hold one across an `await`.
 */
export class Store implements StorePort {
  readonly objects: ObjectsRepo;
  readonly status: StatusRepo;
  readonly events: EventsRepo;
  readonly history: HistoryRepo;
  readonly drift: DriftRepo;
  readonly alerts: AlertsRepo;
  readonly deliveries: AlertDeliveryRepo;
  readonly inventory: InventoryRepo;
  readonly meta: MetaRepo;

  constructor(
    readonly db: Database.Database,
    readonly clock: Clock,
    opts: Pick<StoreOptions, 'eventsPerObject' | 'historyPerObject'> = {},
  ) {
    this.objects = new ObjectsRepo(db);
    this.status = new StatusRepo(db);
    this.events = new EventsRepo(db, opts.eventsPerObject);
    this.history = new HistoryRepo(db, opts.historyPerObject);
    this.drift = new DriftRepo(db);
    this.alerts = new AlertsRepo(db);
    this.deliveries = new AlertDeliveryRepo(db);
    this.inventory = new InventoryRepo(db);
    this.meta = new MetaRepo(db);
  }

  get readonly(): boolean {
    return this.db.readonly;
  }

  /** Runs `fn` in one transaction (nested calls become savepoints). `fn` must be synchronous. */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  /** Rows changed by this connection since it opened (tests assert that a converged pass writes nothing). */
  totalChanges(): number {
    return (this.db.prepare('SELECT total_changes() AS n').get() as { n: number }).n;
  }

  listObjects(kind?: string): ObjectView[] {
    return listObjectViews(this, kind);
  }

  describe(ref: ObjectRef): ObjectDetails | undefined {
    return describeObject(this, ref);
  }

  listEvents(q?: EventQuery): EventRecord[] {
    return this.events.list(q);
  }

  /**
   * Removes an object and its status, history and drift (events are kept: they outlive objects, as in
   * Kubernetes). Inventory is left to the caller (a finalizer removes what it destroyed; an orphan
   * drops ownership).
   */
  removeObject(ref: ObjectRef): boolean {
    return this.transaction(() => {
      this.status.delete(ref);
      this.history.deleteFor(ref);
      this.drift.deleteFor(ref);
      return this.objects.delete(ref);
    });
  }

  close(): void {
    this.db.close();
  }
}

/** Opens (creating and migrating when writable) the store at `path`, or `:memory:`. */
export function openStore(path: string, opts: StoreOptions): Store {
  const readonly = opts.readonly ?? false;
  let db: Database.Database;
  try {
    if (!readonly && path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    db = new Database(path, { readonly, fileMustExist: readonly });
  } catch (err) {
    throw new PxrError('STORE_OPEN', `cannot open store ${path}: ${(err as Error).message}`, {
      cause: err,
      context: { path, readonly },
    });
  }
  try {
    db.pragma(`busy_timeout = ${Math.trunc(opts.busyTimeoutMs ?? 5000)}`);
    if (readonly) {
      const v = schemaVersion(db);
      if (v !== SCHEMA_VERSION) {
        throw new PxrError(
          'STORE_SCHEMA_MISMATCH',
          `store ${path} has schema ${v}, this pxr expects ${SCHEMA_VERSION}`,
          { context: { path, found: v, expected: SCHEMA_VERSION } },
        );
      }
    } else {
      if (path !== ':memory:') db.pragma('journal_mode = WAL');
      // WAL + NORMAL: durable at checkpoints, no fsync per commit; a crash loses at most the last
      // few transactions, which the next reconcile recomputes from reality anyway.
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      migrate(db);
    }
  } catch (err) {
    db.close();
    if (err instanceof PxrError) throw err;
    // SQLite opens any file lazily: "file is not a database" surfaces at the first statement.
    throw new PxrError('STORE_OPEN', `cannot open store ${path}: ${(err as Error).message}`, {
      cause: err,
      context: { path, readonly },
    });
  }
  return new Store(db, opts.clock, opts);
}

/**
 * A private in-memory copy of the store at `path` (an empty store when there is none yet), for
 * `pxr diff`: it ingests the folder and plans exactly as `pxr run` would, and nothing it writes
 * reaches the real file — which a running controller may hold meanwhile.
 */
export function openStoreCopy(path: string, opts: StoreOptions): Store {
  if (!existsSync(path)) return openStore(':memory:', opts);
  const src = openStore(path, { ...opts, readonly: true });
  let image: Buffer;
  try {
    image = src.db.serialize();
  } finally {
    src.close();
  }
  // The image says WAL (header bytes 18–19 = 2), which an in-memory database cannot open: mark it
  // as a rollback-journal database, as SQLite's own format allows (1 = legacy).
  image[18] = 1;
  image[19] = 1;
  const db = new Database(image);
  try {
    db.pragma('foreign_keys = ON');
    migrate(db);
  } catch (err) {
    db.close();
    throw err;
  }
  return new Store(db, opts.clock, opts);
}
