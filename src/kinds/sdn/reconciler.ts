/**
 * The reconciler both SDN kinds share: all objects of a kind are one group (`sdn`), planned from one
 * `?pending=1` read and applied as one batch (batch.ts: lock, writes, diff, one `PUT /cluster/sdn`,
 * task and nodes polled, rollback on failure). The kind says which sections an object wants
 * (items.ts), what it waits for, what keeps it from being deleted, and whether its writes wait for
 * another kind's batch (a new zone is applied with its VNets, in one PUT).
 */
import { PxrError } from '../../core/errors.js';
import type {
  AdmittedPlan,
  ObjectEvent,
  ObjectOutcome,
  ObjectPlan,
  PlanContext,
  PlannedChange,
  ReconcileContext,
  Reconciler,
  StoredObject,
} from '../../core/kind.js';
import type { ResourceRef } from '../../core/ownership.js';
import type { PveClient } from '../../pve/types.js';
import type { KindDeps } from '../kind-module.js';
import { runSdnBatch, type BatchResult, type SdnWrite } from './batch.js';
import { deleteWrite, itemPath, writeFor, type ItemType, type SdnItem } from './items.js';
import { foreignMessage, foreignPending, managedIds } from './managed.js';
import { diffSection, normValue } from './values.js';
import { readSdnWorld, type SdnEntry, type SdnWorld } from './world.js';

export interface SdnObserved {
  /** The spec hash the running config matched last (later differences are drift). */
  appliedSpecHash?: string;
  /** The spec hash whose writes were staged for another kind's batch, and since when. */
  stagedFor?: string;
  stagedAt?: number;
}

export interface SdnReconcilerDeps {
  pve: PveClient;
  clock: { now(): number; sleep(ms: number, signal?: AbortSignal): Promise<void> };
  /** Shared by both SDN kinds: whether the server has the PVE 9 lock, the batch running now. */
  lockSupport: { known?: boolean; tail?: Promise<unknown> };
  /** Task and node polling interval. @default 500 */
  pollMs?: number;
  /** Longest wait for the apply task and the nodes. @default 120000 */
  timeoutMs?: number;
  /** Re-check interval while foreign pending changes block the batch. @default 60000 */
  foreignRequeueMs?: number;
  /** Re-check interval of an object waiting (its zone, staged writes). @default 3000 */
  waitRequeueMs?: number;
  /** How long staged writes wait for another kind's batch before applying alone. @default 60000 */
  stageWaitMs?: number;
}

export interface SdnKindOps<Spec> {
  resourceType: string;
  itemsOf(obj: StoredObject<Spec>): SdnItem[];
  /** Sections of the object the spec no longer names (a VNet's removed subnets). */
  extrasOf?(obj: StoredObject<Spec>, world: SdnWorld): SdnItem[];
  /** The zone whose node status tells whether this object is live everywhere. */
  zoneOf(obj: StoredObject<Spec>): string;
  waitingOf?(obj: StoredObject<Spec>, world: SdnWorld, ctx: PlanContext): string | undefined;
  /** Why the object cannot be removed yet (guests or vnets still use it). */
  inUse(pve: PveClient, obj: StoredObject<Spec>, world: SdnWorld): Promise<string | undefined>;
  /**
   * Whether this pass only writes, leaving the apply to another kind's batch; `since` says since
   * when an object's writes have been staged at its spec (undefined: not yet).
   */
  stageOnly?(
    ctx: ReconcileContext,
    changed: StoredObject<Spec>[],
    since: (o: StoredObject<Spec>) => number | undefined,
  ): boolean;
}

interface PlanState {
  world: SdnWorld;
  foreign: string[];
  /** Zones not yet reloaded on some node. */
  reapply: boolean;
}

const ORDER: Record<ItemType, number> = { zone: 0, vnet: 1, subnet: 2 };

function mapOf(world: SdnWorld, type: ItemType): Map<string, SdnEntry> {
  return type === 'zone' ? world.zones : type === 'vnet' ? world.vnets : world.subnets;
}

function fieldOf(item: SdnItem, key: string): string {
  const name = item.names[key] ?? key;
  return item.field === '' ? name : `${item.field}.${name}`;
}

function readObserved(o: Record<string, unknown>): SdnObserved {
  const out: SdnObserved = {};
  if (typeof o['appliedSpecHash'] === 'string') out.appliedSpecHash = o['appliedSpecHash'];
  if (typeof o['stagedFor'] === 'string') out.stagedFor = o['stagedFor'];
  if (typeof o['stagedAt'] === 'number') out.stagedAt = o['stagedAt'];
  return out;
}

function planItem(item: SdnItem, entry: SdnEntry | undefined, drift: boolean): PlannedChange[] {
  const path = itemPath(item);
  if (!entry?.running) {
    const write = entry?.edited ? [] : [`POST ${path.replace(/\/[^/]+$/, '')}`];
    return [
      {
        // `exists: true` is a create to `pxr diff`; a subnet shows as its CIDR appearing.
        field: item.field === '' ? 'exists' : item.field,
        desired: item.field === '' ? true : item.cidr,
        ...(item.field === '' ? { actual: false } : {}),
        calls: [...write, 'PUT /cluster/sdn'],
        drift,
      },
    ];
  }
  const keys = Object.keys(item.names);
  const out: PlannedChange[] = diffSection(item.desired, entry.running, keys).map((c) => ({
    field: fieldOf(item, c.key),
    desired: c.desired,
    ...(c.actual === undefined ? {} : { actual: c.actual }),
    calls: [`PUT ${path}`, 'PUT /cluster/sdn'],
    aliases: [c.key],
    drift,
  }));
  // Running as wanted, but someone's pending edit of it would go live with the next apply.
  const seen = new Set(out.map((c) => c.field));
  for (const c of diffSection(item.desired, entry.edited, keys)) {
    if (seen.has(fieldOf(item, c.key))) continue;
    out.push({
      field: fieldOf(item, c.key),
      desired: c.desired,
      actual: `${normValue(c.key, c.actual) ?? '(unset)'} (pending)`,
      calls: [`PUT ${path}`],
      aliases: [c.key],
      drift: true,
    });
  }
  return out;
}

/** The `createReconciler` of an SDN kind: the shared dependencies, with the kind's tuning. */
export function sdnReconcilerFactory<Spec>(
  ops: SdnKindOps<Spec>,
): (deps: KindDeps, tuning: Readonly<Record<string, unknown>>) => Reconciler<Spec> {
  return (deps, tuning) =>
    createSdnReconciler(ops, {
      ...(tuning as Partial<SdnReconcilerDeps>),
      pve: deps.pve,
      clock: deps.clock,
      lockSupport: deps.shared('sdn-lock-support', () => ({})),
    });
}

export function createSdnReconciler<Spec>(
  ops: SdnKindOps<Spec>,
  deps: SdnReconcilerDeps,
): Reconciler<Spec> {
  const { pve } = deps;
  const pollMs = deps.pollMs ?? 500;
  const waitMs = deps.waitRequeueMs ?? 3000;
  const foreignMs = deps.foreignRequeueMs ?? 60_000;
  type Obj = StoredObject<Spec>;
  const ref = (id: string): ResourceRef => ({
    resourceType: ops.resourceType,
    node: 'cluster',
    resourceId: id,
  });
  const observedOf = (ctx: PlanContext, o: Obj): SdnObserved =>
    readObserved(ctx.observedOf?.(o.name) ?? ctx.observed);

  function batch(
    ctx: ReconcileContext,
    writes: SdnWrite[],
    extra: { stageOnly?: boolean; reapply?: boolean } = {},
  ): Promise<BatchResult> {
    writes.sort((a, b) => rank(a) - rank(b));
    return runSdnBatch(pve, {
      writes,
      foreignOf: (world) => foreignPending(world, managedIds(ctx)),
      pollMs,
      timeoutMs: deps.timeoutMs ?? 120_000,
      sleep: (ms) => deps.clock.sleep(ms, ctx.signal),
      now: () => deps.clock.now(),
      lockSupport: deps.lockSupport,
      ...extra,
    });
  }

  function foreignOutcome(foreign: string[], prev: SdnObserved): ObjectOutcome {
    const message = foreignMessage(foreign);
    return {
      observed: { ...prev },
      notReady: { reason: 'ForeignPending', message },
      events: [{ type: 'Warning', reason: 'ForeignPending', message }],
      requeueAfterMs: foreignMs,
    };
  }

  return {
    groupKey: () => 'sdn',

    async plan(ctx, objs) {
      const out = new Map<string, ObjectPlan | Error>();
      const world = await readSdnWorld(pve);
      const foreign = foreignPending(world, managedIds(ctx));
      const nodes = await pve.clusterResources('sdn');
      const pendingZones = new Set(
        nodes.filter((z) => z['status'] !== 'available').map((z) => String(z['sdn'])),
      );
      const state: PlanState = { world, foreign, reapply: false };
      for (const o of objs) {
        try {
          const prev = observedOf(ctx, o);
          const drift = prev.appliedSpecHash === o.specHash;
          const waiting = ops.waitingOf?.(o, world, ctx);
          const plan: ObjectPlan<PlanState> = { changes: [], state };
          if (waiting !== undefined) {
            plan.waiting = waiting;
            out.set(o.name, plan);
            continue;
          }
          for (const item of ops.itemsOf(o)) {
            plan.changes.push(...planItem(item, mapOf(world, item.type).get(item.id), drift));
          }
          for (const extra of ops.extrasOf?.(o, world) ?? []) {
            plan.changes.push({
              field: extra.field,
              desired: undefined,
              actual: extra.cidr,
              calls: [`DELETE ${itemPath(extra)}`, 'PUT /cluster/sdn'],
              drift,
            });
          }
          const zone = ops.zoneOf(o);
          if (
            world.zones.get(zone)?.running &&
            pendingZones.has(zone) &&
            plan.changes.length === 0
          ) {
            plan.changes.push({
              field: 'applied',
              desired: 'running config live on every node',
              actual: `zone ${zone} not reloaded on some node`,
              calls: ['PUT /cluster/sdn'],
              drift: false,
            });
          }
          if (foreign.length > 0) plan.waiting = foreignMessage(foreign);
          out.set(o.name, plan);
        } catch (err) {
          out.set(o.name, err instanceof Error ? err : new Error(String(err)));
        }
      }
      return out;
    },

    async apply(ctx, objs, plans) {
      const out = new Map<string, ObjectOutcome | Error>();
      const changed: Obj[] = [];
      let state: PlanState | undefined;
      let reapply = false;
      for (const o of objs) {
        const plan = plans.get(o.name) as AdmittedPlan<PlanState> | undefined;
        if (!plan) continue;
        state ??= plan.state;
        const prev = observedOf(ctx, o);
        if (plan.state && plan.state.foreign.length > 0) {
          out.set(o.name, foreignOutcome(plan.state.foreign, prev));
        } else if (plan.waiting !== undefined) {
          out.set(o.name, {
            observed: { ...prev },
            notReady: { reason: 'DependencyNotReady', message: plan.waiting },
            requeueAfterMs: waitMs,
          });
        } else if (plan.changes.length > 0) {
          changed.push(o);
          if (plan.changes.some((c) => c.field === 'applied')) reapply = true;
        } else {
          out.set(o.name, held(plan, o, prev));
        }
      }
      if (changed.length === 0 || !state) return out;
      const writes: SdnWrite[] = [];
      for (const o of changed) {
        for (const item of ops.itemsOf(o)) {
          const entry = mapOf(state.world, item.type).get(item.id);
          if (!entry && item.type !== 'subnet') ctx.ownership?.claim(o.name, ref(item.id));
          const w = writeFor(item, entry);
          if (w) writes.push(w);
        }
        for (const extra of ops.extrasOf?.(o, state.world) ?? []) {
          if (mapOf(state.world, extra.type).get(extra.id)?.edited) writes.push(deleteWrite(extra));
        }
      }
      const now = deps.clock.now();
      const stageWaitMs = deps.stageWaitMs ?? 60_000;
      const stageOnly =
        ops.stageOnly?.(ctx, changed, (o) => {
          const prev = observedOf(ctx, o);
          const since = prev.stagedFor === o.specHash ? prev.stagedAt : undefined;
          // Waited long enough for the other batch: apply alone.
          return since !== undefined && now - since > stageWaitMs ? -Infinity : since;
        }) ?? false;
      const r = await batch(ctx, writes, { stageOnly, reapply });
      for (const o of changed) {
        const prev = observedOf(ctx, o);
        const plan = plans.get(o.name)!;
        out.set(o.name, outcomeOf(ctx, o, prev, plan, r, now));
      }
      return out;
    },

    async finalize(ctx, objs) {
      const out = new Map<string, 'done' | ObjectOutcome | Error>();
      const world = await readSdnWorld(pve);
      const writes: SdnWrite[] = [];
      const going: Obj[] = [];
      for (const o of objs) {
        const items = ops.itemsOf(o);
        const own = items[0]!;
        const exists = mapOf(world, own.type).get(own.id)?.edited !== undefined;
        if (!exists) {
          ctx.ownership?.release(o.name, ref(own.id));
          out.set(o.name, 'done');
          continue;
        }
        if (!(ctx.ownership?.owns(o.name, ref(own.id)) ?? false)) {
          ctx.recordEvent?.(o.name, {
            type: 'Warning',
            reason: 'DeletionSkipped',
            message: `${own.type} ${own.id} was not created by pxr: left in place`,
          });
          out.set(o.name, 'done');
          continue;
        }
        const busy = await ops.inUse(pve, o, world);
        if (busy !== undefined) {
          out.set(o.name, {
            notReady: { reason: 'InUse', message: busy },
            events: [{ type: 'Warning', reason: 'InUse', message: busy }],
            requeueAfterMs: waitMs,
          });
          continue;
        }
        const subnets = [...world.subnets.values()].filter(
          (s) => own.type === 'vnet' && s.edited?.['vnet'] === own.id,
        );
        for (const s of subnets)
          writes.push(deleteWrite({ type: 'subnet', id: s.id, vnet: own.id }));
        writes.push(deleteWrite(own));
        going.push(o);
      }
      if (going.length === 0) return out;
      const r = await batch(ctx, writes);
      for (const o of going) {
        if (r.kind === 'refused') out.set(o.name, foreignOutcome(r.foreign, {}));
        else if (r.kind === 'failed') out.set(o.name, failure(ctx, o, r));
        else {
          ctx.ownership?.release(o.name, ref(ops.itemsOf(o)[0]!.id));
          out.set(o.name, 'done');
        }
      }
      return out;
    },
  };

  function held(plan: AdmittedPlan, o: Obj, prev: SdnObserved): ObjectOutcome {
    // Nothing admitted: converged (or drift held by `alert`, reported by the runtime).
    const next: SdnObserved = plan.held.length > 0 ? { ...prev } : { appliedSpecHash: o.specHash };
    return { observed: next as Record<string, unknown> };
  }

  function outcomeOf(
    ctx: ReconcileContext,
    o: Obj,
    prev: SdnObserved,
    plan: AdmittedPlan,
    r: BatchResult,
    now: number,
  ): ObjectOutcome | Error {
    if (r.kind === 'refused') return foreignOutcome(r.foreign, prev);
    if (r.kind === 'failed') return failure(ctx, o, r);
    const actions = r.calls.length > 0 ? r.calls : undefined;
    if (r.kind === 'staged') {
      return {
        observed: {
          ...prev,
          stagedFor: o.specHash,
          stagedAt: prev.stagedFor === o.specHash ? (prev.stagedAt ?? now) : now,
        },
        ...(actions ? { actions } : {}),
        notReady: {
          reason: 'Staged',
          message: 'written to the pending SDN config; applied with the VNets of its zone',
        },
        requeueAfterMs: waitMs,
      };
    }
    const events: ObjectEvent[] = [];
    if (r.upid !== undefined) {
      events.push({
        type: 'Normal',
        reason: 'SdnApplied',
        message: `SDN config applied (${r.locked ? 'under the SDN lock, ' : ''}${r.upid})`,
      });
    }
    const outcome: ObjectOutcome = {
      observed: { appliedSpecHash: o.specHash },
      ...(actions ? { actions } : {}),
      ...(events.length > 0 ? { events } : {}),
    };
    if (plan.held.length > 0) outcome.observed = { ...prev };
    return outcome;
  }

  function failure(
    ctx: ReconcileContext,
    o: Obj,
    r: Extract<BatchResult, { kind: 'failed' }>,
  ): Error {
    const message =
      `SDN apply failed: ${r.error}` +
      (r.rolledBack
        ? '; pending changes rolled back (POST /cluster/sdn/rollback)'
        : r.upid !== undefined
          ? '; the config is committed but not reloaded on every node: applied again on the next pass'
          : '');
    ctx.recordEvent?.(o.name, { type: 'Warning', reason: 'SdnApplyFailed', message });
    return new PxrError('SDN_APPLY_FAILED', message, { context: { upid: r.upid } });
  }
}

function rank(w: SdnWrite): number {
  const del = w.call.startsWith('DELETE') ? 0 : 1;
  // deletes of subnets first, then zones, vnets, subnets created or changed
  const type: ItemType = w.call.includes('/subnets')
    ? 'subnet'
    : w.call.includes('/vnets')
      ? 'vnet'
      : 'zone';
  return del === 0 ? 2 - ORDER[type] : 3 + ORDER[type];
}
