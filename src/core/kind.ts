/**
 * The contract between the runtime (queues, store, conditions) and each kind's reconciler.
 * A kind is a schema plus a reconciler; the runtime does everything else.
 */
import type { Logger } from 'pino';
import type { Clock } from './clock.js';
import type { DriftItem } from './drift-policy.js';
import type { ManifestDoc, SourceIssue } from './manifest.js';
import type { PrinterColumn } from './object-view.js';
import type { Condition, ObjectRef, Ownership, StoredObject } from './object.js';

export type { DriftItem } from './drift-policy.js';
export type {
  Condition,
  ConditionType,
  ObjectRef,
  Ownership,
  ResourceRef,
  StoredObject,
} from './object.js';

/** What a reconcile of one object reports back (every field optional). */
export interface ObjectOutcome {
  /** Ask to be reconciled again after this long (waiting on a task, a dependency...). */
  requeueAfterMs?: number;
  /** Human-readable actions taken, e.g. `created vmbr1`, `applied network (UPID...)`. */
  actions?: string[];
  /** Observed facts kept in status (vmid, MAC, IP, in-flight UPID...). Replaces the previous set. */
  observed?: Record<string, unknown>;
  /** Drift found in this pass (before correction). */
  drift?: DriftItem[];
  /** Whether drift was corrected in this pass (false when the policy is `alert`). */
  driftCorrected?: boolean;
  /** Extra conditions (e.g. `PendingRestart`, `DependencyReady`). Ready/Reconciling/Stalled are the runtime's. */
  conditions?: Omit<Condition, 'lastTransitionTime'>[];
  /** Not ready yet but no error: Ready=False with this reason/message (e.g. `DependencyNotReady`). */
  notReady?: { reason: string; message: string };
  /** Events to record (deduplicated by the store). */
  events?: ObjectEvent[];
  /**
   * States people must hear about (a certificate past its renewal time): each alerts once when it
   * starts (`firing`) and once when it ends; omitted ones are left as they are. A failed pass may
   * carry them too, as `alerts` on its Error (see {@link alertsOfError}).
   */
  alerts?: OutcomeAlert[];
}

/** One state a kind reports for alerting; `reason`/`message` say what happened (started or ended). */
export interface OutcomeAlert {
  /** Stable per state (`certificate-overdue`): the outbox key is `<key>/<kind>/<name>/<firing|resolved>`. */
  key: string;
  firing: boolean;
  severity: 'info' | 'warning' | 'critical';
  reason: string;
  message: string;
}

/** How long a failed pass's Error asks to wait before the retry (a server's Retry-After). */
export function retryAfterOfError(err: unknown): number | undefined {
  const ms = (err as { retryAfterMs?: unknown } | undefined)?.retryAfterMs;
  return typeof ms === 'number' && Number.isFinite(ms) && ms > 0 ? ms : undefined;
}

/** The alerts a failed pass's Error carries (a kind attaches them when a pass fails midway). */
export function alertsOfError(err: unknown): OutcomeAlert[] | undefined {
  const a = (err as { alerts?: unknown } | undefined)?.alerts;
  return Array.isArray(a) ? (a as OutcomeAlert[]) : undefined;
}

export interface ObjectEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

/** Read access to every stored object (desired state) and its status, for kinds and watches. */
export interface ObjectReader {
  get(ref: ObjectRef): StoredObject | undefined;
  /** Objects of `kind`, optionally only those carrying every label of `selector`. */
  list(kind: string, selector?: Readonly<Record<string, string>>): StoredObject[];
  /** Status of any object (for dependency checks). */
  getStatus(ref: ObjectRef): ObjectStatusView | undefined;
}

/**
 * Another kind's changes that concern this one (controller-runtime's `Watches` with a map
 * function): when an object of `kind` changes — in the source (spec, labels, deletion) or in its
 * status — `map` names the objects of the watching kind to queue.
 */
export interface Watch {
  kind: string;
  map(obj: StoredObject, reader: ObjectReader): string[];
}

export interface ReconcileContext extends ObjectReader {
  log: Logger;
  clock: Clock;
  reconcileId: string;
  signal: AbortSignal;
  /** Observed facts of this object as last recorded (survives restarts: in-flight UPIDs live here). */
  observed: Record<string, unknown>;
  /** Observed facts of one object of the group, by name (always provided by the runtime). */
  observedOf?(name: string): Record<string, unknown>;
  /**
   * Write-ahead ownership of Proxmox objects, bound to each object's uid (always provided by the
   * runtime; optional so that hand-built contexts in tests stay valid). Writes are immediate.
   */
  ownership?: Ownership;
  /**
   * Records an event on one object of the group, written with the pass's results even when the
   * outcome cannot carry it (finalize answering `done`). Always provided by the runtime.
   */
  recordEvent?(name: string, event: ObjectEvent): void;
}

export interface ObjectStatusView {
  ready: boolean;
  observedGeneration: number;
  conditions: Condition[];
  observed: Record<string, unknown>;
}

/**
 * One difference between desired state and reality, as observe found it: what `pxr diff` prints,
 * what the runtime filters by drift policy, and what `apply` carries out.
 */
export interface PlannedChange {
  /** Spec-level path (`memory`, `ports`, `rules[web]`, `state`); `exists` for create/re-create. */
  field: string;
  desired: unknown;
  /** The value read back (absent when there is nothing yet). */
  actual?: unknown;
  /** The Proxmox (or appliance) calls applying it makes, e.g. `PUT /nodes/pve1/lxc/105/config`. */
  calls: string[];
  /** Other names of the field `pxr/drift-ignore` also matches (the Proxmox key, e.g. `bridge_ports`). */
  aliases?: string[];
  /**
   * Reality moved away from a spec pxr had applied (someone edited it). A spec change or a first
   * create is not drift: the drift policy never holds it back.
   */
  drift: boolean;
}

/** What observe found for one object. */
export interface ObjectPlan<State = unknown> {
  changes: PlannedChange[];
  /** Fields that cannot be read back through the API (shown as unknown, never drift). */
  unknown?: string[];
  /** Not planned further, and why (waiting for a task, a dependency...): `pxr diff` shows it. */
  waiting?: string;
  /** What observe read, handed to `apply` so it need not read again (kind-private). */
  state?: State;
}

/**
 * A plan after the runtime applied the object's drift policy and ignore-fields: `changes` holds
 * what apply may carry out; drift on ignored fields (or under `ignore`) is gone; drift under `alert`
 * moved to `held` (reported, not corrected).
 */
export interface AdmittedPlan<State = unknown> extends ObjectPlan<State> {
  held: PlannedChange[];
}

/** The context of `plan`: read-only (no ownership claims, no events). */
export type PlanContext = Omit<ReconcileContext, 'ownership' | 'recordEvent'> & {
  /** Read-only view of the ownership inventory (`claim`/`release` are not offered). */
  ownership?: Pick<Ownership, 'owns' | 'owned'>;
};

/**
 * A reconciler handles a *group* of objects at once: the runtime queues one key per group. Most kinds
 * group by object (`groupKey` = name); Bridge groups by node so that one network read and one apply
 * task serve every bridge of a node.
 */
export interface Reconciler<Spec = Record<string, unknown>> {
  groupKey(obj: StoredObject<Spec>): string;
  /**
   * Observe and plan every live object of the group, reading only: no write to Proxmox, no claim,
   * no event. An Error for one object fails that object (a `TerminalError` stalls it). `pxr diff`
   * stops here.
   */
  plan(ctx: PlanContext, objs: StoredObject<Spec>[]): Promise<Map<string, ObjectPlan | Error>>;
  /**
   * Carry out the admitted plans (objects whose plan failed are not passed). Returns an outcome per
   * object name; the runtime adds the drift from the plan (a kind never reports drift itself, but
   * may set `driftCorrected: false` when it could not correct admitted drift this pass). Throwing
   * fails the whole group (retry with backoff); a `TerminalError` stalls it.
   */
  apply(
    ctx: ReconcileContext,
    objs: StoredObject<Spec>[],
    plans: ReadonlyMap<string, AdmittedPlan>,
  ): Promise<Map<string, ObjectOutcome | Error>>;
  /**
   * Remove what pxr created for objects whose deletion was requested. Return per name `done` when the
   * finalizer may be dropped, or an outcome asking to requeue.
   */
  finalize(
    ctx: ReconcileContext,
    objs: StoredObject<Spec>[],
  ): Promise<Map<string, 'done' | ObjectOutcome | Error>>;
  /** Releases what the reconciler holds open (connections); called once the controllers stopped. */
  close?(): Promise<void>;
}

/** An IPv4 host address a document claims on one L2 segment (`node/bridge`, `appliance:NAME`). */
export interface AddressClaim {
  ip: string;
  /** Where the document says it, e.g. `spec.cidr`. */
  field: string;
  segment: string;
}

export interface AddressClaims {
  claims: AddressClaim[];
  /** Segments that are one network (an appliance's LAN and the bridge it sits on). */
  same?: [string, string][];
}

export interface KindDefinition<Spec = Record<string, unknown>> {
  kind: string;
  /** `bridges` — used by the CLI (`pxr get bridges`). */
  plural: string;
  /** Short names accepted by the CLI (`br`). */
  aliases?: string[];
  /** JSON Schema of `spec` (draft 2020-12 subset; defaults are applied). */
  schema: Record<string, unknown>;
  /** Semantic checks beyond the schema (names Proxmox rejects, CIDR validity...). */
  validate?(doc: ManifestDoc): Omit<SourceIssue, 'file' | 'line' | 'column'>[];
  /** Addresses the document claims, for conflict warnings across documents (validated docs only). */
  addresses?(doc: ManifestDoc): AddressClaims;
  /** Kinds that must be created before (and deleted after) this one. */
  dependsOn?: string[];
  /** Changes of other kinds that queue objects of this one. */
  watches?: Watch[];
  /** Columns of `pxr get <plural>` between NAME and the common status columns, in order. */
  columns?: PrinterColumn[];
  /** Built by the composition root with its dependencies (Proxmox client, clock...). */
  reconciler?: Reconciler<Spec>;
}
