/**
 * What the runtime needs from persistence, owned by core (ports and adapters): the record types the
 * runtime reads and writes, and the repository methods it calls. `src/store` implements this port
 * with SQLite; core never imports the store, so arrows run one way (store → core).
 */
import type { Clock } from './clock.js';
import type { DriftItem } from './drift-policy.js';
import type { Condition, ObjectRef, ResourceRef, StoredObject } from './object.js';

export type ReconcileResult = 'ok' | 'error' | 'requeue' | 'stalled';

export interface StatusRecord {
  conditions: Condition[];
  /** Generation last reconciled to Ready. */
  observedGeneration: number;
  /** Observed facts reported by the kind (vmid, MAC, in-flight UPID...). */
  observed: Record<string, unknown>;
  /** Generation that hit a TerminalError: not retried until the spec changes. */
  stalledGeneration: number | null;
  /**
   * Time of the last reconcile that changed status. Converged passes are not persisted (a converged
   * system writes nothing), so this is not a heartbeat; the manager's metrics carry the live one.
   */
  lastReconcileAt: number | null;
  lastResult: ReconcileResult | null;
  /** The object's manifest file is currently unreadable or invalid; the last good spec is kept. */
  sourceInvalid: boolean;
}

export function emptyStatus(): StatusRecord {
  return {
    conditions: [],
    observedGeneration: 0,
    observed: {},
    stalledGeneration: null,
    lastReconcileAt: null,
    lastResult: null,
    sourceInvalid: false,
  };
}

export type EventType = 'Normal' | 'Warning';

export interface EventInput {
  type: EventType;
  reason: string;
  message: string;
}

/** What the source says about an object; identity and generation are the store's business. */
export interface ObjectInput {
  kind: string;
  name: string;
  spec: Record<string, unknown>;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  sourceFile: string;
  revision?: string;
  finalizers?: string[];
}

export interface InventoryRecord extends ResourceRef {
  kind: string;
  name: string;
  /** Owner uid: ownership binds to it, never to a reusable VMID alone. */
  uid: string;
  createdAt: number;
}

export interface HistoryInput {
  reconcileId: string;
  startedAt: number;
  durationMs: number;
  result: ReconcileResult;
  actions: string[];
  error?: string;
}

export interface HistoryRecord extends HistoryInput {
  id: number;
  kind: string;
  name: string;
}

/** What recording one drift item did, to drive events and alerts on transitions only. */
export type DriftTransition = 'detected' | 'changed' | 'unchanged' | 'corrected';

export interface OutboxRecord {
  id: number;
  key: string;
  payload: Record<string, unknown>;
  createdAt: number;
  acknowledgedAt: number | null;
}

export interface InventoryPort {
  record(owner: { kind: string; name: string; uid: string }, res: ResourceRef, now: number): void;
  owns(uid: string, res: ResourceRef): boolean;
  remove(res: ResourceRef): boolean;
  listByOwner(uid: string): InventoryRecord[];
  removeByOwner(uid: string): number;
}

/** The store as the runtime uses it. Synchronous: never hold `transaction` across an await. */
export interface StorePort {
  readonly clock: Clock;
  readonly objects: {
    readonly version: number;
    get(ref: ObjectRef): StoredObject | undefined;
    list(kind?: string): StoredObject[];
    insert(input: ObjectInput, now: number): StoredObject;
    updateFromSource(
      input: ObjectInput,
      now: number,
    ): { specChanged: boolean; metaChanged: boolean } | undefined;
    setDeletionRequested(ref: ObjectRef, requested: boolean, now: number): boolean;
    setFinalizers(ref: ObjectRef, finalizers: string[], now: number): void;
    countPendingDeletion(kinds: readonly string[]): number;
  };
  readonly status: {
    get(ref: ObjectRef): StatusRecord | undefined;
    put(ref: ObjectRef, next: StatusRecord, now: number): boolean;
    setSourceInvalid(ref: ObjectRef, invalid: boolean, message: string, now: number): boolean;
  };
  readonly events: {
    record(ref: ObjectRef, e: EventInput, now: number): void;
    exists(ref: ObjectRef, e: EventInput): boolean;
  };
  readonly history: {
    record(ref: ObjectRef, h: HistoryInput): void;
    list(ref: ObjectRef, limit?: number): HistoryRecord[];
  };
  readonly drift: {
    observe(ref: ObjectRef, item: DriftItem, corrected: boolean, now: number): DriftTransition;
    resolveMissing(ref: ObjectRef, seenFields: ReadonlySet<string>, now: number): string[];
  };
  readonly alerts: {
    enqueue(key: string, payload: Record<string, unknown>, now: number): void;
    get(key: string): OutboxRecord | undefined;
    /** Alert families that ever fired for the object (firing or since resolved). */
    familiesOf(kind: string, name: string): string[];
  };
  readonly inventory: InventoryPort;
  readonly meta: {
    set(key: string, value: string): boolean;
    delete(key: string): boolean;
    keys(prefix: string): string[];
  };
  transaction<T>(fn: () => T): T;
  removeObject(ref: ObjectRef): boolean;
}
