/**
 * Bridge reconciler: one pass per node for all of its bridges (groupKey = spec.node).
 *
 * Steps of `reconcile`:
 *  1. If status records an apply task (UPID), poll it once: still running -> requeue (Ready=False
 *     `Applying`); failed -> revert what is still staged if it is only ours, `ApplyFailed` event,
 *     retry later.
 *  2. Read `/nodes/{node}/network` once.
 *  3. Pending changes with no apply task recorded: a reload running -> wait for it. Changes that are
 *     pxr's own (pending.ts: only bridges pxr owns, each staged exactly as its spec wants — a pass
 *     died between staging and applying) -> apply them. Anything else is someone editing the
 *     node's network. Policy: touch nothing — staging on top would make their half-done edit go
 *     live with our apply. Report `ForeignPendingChanges` (Warning event, condition
 *     `PendingChanges=True`, Ready=False) and re-check every minute until they apply or revert.
 *  4. Plan every bridge (plan.ts: ownership, diff, drift policy), refuse risky changes of the API
 *     bridge (protect.ts), claim ownership in the inventory (BEFORE the create call, so a crash
 *     right after it leaves the bridge ours), stage creates/updates/deletes, then start ONE apply
 *     task for the node, record its UPID in `observed` and requeue — a restarted controller resumes
 *     from the UPID.
 *  5. The pass after the task re-reads and confirms: no difference left -> Ready; a difference that
 *     survived our own apply -> error (backoff), never an apply loop.
 * `finalize` (finalize.ts) deletes the bridges pxr owns with one apply task (polled by requeue), releases their
 * inventory records once they are confirmed gone, then answers `done`; unowned ones are let go
 * without being touched (`DeletionSkipped` event).
 * Conditions: `PendingChanges` (plus the runtime's Ready/Reconciling/Stalled/Drifted).
 */
import type { Clock } from '../../core/clock.js';
import { toError } from '../../core/errors.js';
import type {
  AdmittedPlan,
  ObjectOutcome,
  ObjectPlan,
  PlanContext,
  ReconcileContext,
  Reconciler,
} from '../../core/kind.js';
import { isPveApiError } from '../../pve/errors.js';
import type { NetworkIface, NetworkList, PveClient } from '../../pve/types.js';
import { describeChange } from './diff.js';
import { createFinalize } from './finalize.js';
import { recordedApplyState, stageChange, type ApplyState } from './network-ops.js';
import { nodeApply, prevOf, withoutUpid, type Obj, type Outcomes } from './node-apply.js';
import { bridgeRef, inventoryBridges } from './owned.js';
import {
  plannedChanges,
  planBridge,
  restrictToAdmitted,
  type BridgeObserved,
  type BridgePlan,
} from './plan.js';
import { apiBridgeRefusal, isApiBridge, isRisky } from './protect.js';
import type { BridgeSpec } from './spec.js';

export interface BridgeReconcilerDeps {
  pve: PveClient;
  clock: Clock;
  /** Delay before polling an apply task again. @default 2000 */
  taskPollMs?: number;
  /** Re-check interval while someone else's network changes are pending. @default 60000 */
  foreignPendingRequeueMs?: number;
  /** Delay before retrying after a failed apply task. @default 30000 */
  applyFailedRequeueMs?: number;
}

export function createBridgeReconciler(deps: BridgeReconcilerDeps): Reconciler<BridgeSpec> {
  const { pve } = deps;
  const pollMs = deps.taskPollMs ?? 2000;
  const foreignMs = deps.foreignPendingRequeueMs ?? 60_000;
  const failedMs = deps.applyFailedRequeueMs ?? 30_000;

  const ops = nodeApply({ pve, pollMs, foreignMs });
  const { applying, apiAddressesOf, verdictOf, pendingPass, applyOrRevert } = ops;
  const finalize = createFinalize(pve, ops, pollMs);

  /** What `plan` read for the node, handed to `apply` (one object shared by the group). */
  interface NodeRead {
    node: string;
    prevs: Map<string, BridgeObserved>;
    task: ApplyState | undefined;
    net?: NetworkList;
    bridges: Map<string, BridgePlan>;
  }

  /** Steps 1–2 and the planning of step 4: reads only. */
  async function plan(
    ctx: PlanContext,
    objs: Obj[],
  ): Promise<Map<string, ObjectPlan<NodeRead> | Error>> {
    const out = new Map<string, ObjectPlan<NodeRead> | Error>();
    const node = objs[0]?.spec.node;
    if (node === undefined) return out;
    const prevs = new Map(objs.map((o) => [o.name, prevOf(ctx, objs, o)]));
    const upids = [...prevs.values()].flatMap((p) => (p.applyUpid ? [p.applyUpid] : []));
    const task = upids.length > 0 ? await recordedApplyState(pve, node, upids) : undefined;
    const read: NodeRead = { node, prevs, task, bridges: new Map() };
    const waiting = (why: string): void => {
      for (const o of objs) out.set(o.name, { changes: [], waiting: why, state: read });
    };
    if (task?.state === 'running') {
      waiting(`network apply task ${task.upid} is running on ${node}`);
      return out;
    }
    const net = await pve.listNetwork(node);
    read.net = net;
    if (task?.state === 'failed') {
      waiting(`network apply task ${task.upid} failed on ${node}; pxr retries`);
      return out;
    }
    if (net.changes) {
      waiting(`network changes are staged on ${node} but not applied`);
      return out;
    }
    const ifaces = new Map(net.ifaces.map((i) => [i.iface, i]));
    for (const o of objs) {
      const prev = prevs.get(o.name)!;
      const status = ctx.getStatus({ kind: o.kind, name: o.name });
      const bp = planBridge(
        {
          obj: o,
          prev,
          converged: status?.observedGeneration === o.generation && !prev.applyUpid,
          inventory: inventoryBridges(ctx, o.name),
        },
        ifaces,
      );
      read.bridges.set(o.name, bp);
      out.set(o.name, bp.error ?? { changes: plannedChanges(bp, node), state: read });
    }
    return out;
  }

  async function apply(
    ctx: ReconcileContext,
    objs: Obj[],
    admitted: ReadonlyMap<string, AdmittedPlan>,
  ): Promise<Outcomes> {
    const out: Outcomes = new Map();
    const read = admitted.get(objs[0]?.name ?? '')?.state as NodeRead | undefined;
    if (!read) return out;
    const { node, prevs, task, net } = read;

    // 1. The task we started last time.
    if (task?.state === 'running' || !net) {
      for (const o of objs) {
        const prev = prevs.get(o.name)!;
        // A sibling the task does not touch stays as it was (Ready stays Ready): editing one
        // bridge must not flap the others of its node.
        const upid = task?.state === 'running' ? task.upid : '?';
        const untouched = prev.applyUpid !== upid && ctx.getStatus(o)?.ready === true;
        out.set(
          o.name,
          untouched ? { observed: prev, requeueAfterMs: pollMs } : applying(prev, upid),
        );
      }
      return out;
    }

    // 2. The task failed.
    if (task?.state === 'failed') {
      // Revert only what is still exactly ours: someone may have staged an edit since.
      const v = net.changes ? verdictOf(ctx, node, objs, prevs, net, true).verdict : undefined;
      if (v?.ours) await pve.revertNetwork(node);
      const left = !v
        ? ''
        : v.ours
          ? '; staged changes reverted'
          : `; staged changes left in place (${v.reason})`;
      const message = `network apply on ${node} failed (${task.upid}): ${task.exitstatus}${left}, retrying`;
      for (const o of objs) {
        const prev = prevs.get(o.name)!;
        out.set(o.name, {
          observed: withoutUpid(prev),
          requeueAfterMs: failedMs,
          notReady: { reason: 'ApplyFailed', message },
          ...(prev.applyUpid === task.upid
            ? { events: [{ type: 'Warning' as const, reason: 'ApplyFailed', message }] }
            : {}),
        });
      }
      return out;
    }

    // 3. Staged changes nobody applied: ours from an interrupted pass, or someone else's edit.
    if (net.changes) return pendingPass(ctx, node, objs, prevs, net, true);

    // 4. Keep what the runtime admitted, protect, stage, apply.
    const justApplied = task?.state === 'ok' ? task.upid : undefined;
    const ifaces = new Map(net.ifaces.map((i) => [i.iface, i]));
    // Differences that survived our own apply: a value Proxmox does not keep as sent, or an edit
    // racing ours. Reported and retried slowly rather than re-applied in a tight loop.
    const notConverged = new Map<string, string>();
    const plans = objs.map((o) => {
      const bp = read.bridges.get(o.name)!;
      const fields = new Set(admitted.get(o.name)?.changes.map((c) => c.field) ?? []);
      const plan: BridgePlan = { ...bp, changes: restrictToAdmitted(bp, fields) };
      const prev = prevs.get(o.name)!;
      if (plan.changes.length > 0 && justApplied && prev.applyUpid === justApplied) {
        notConverged.set(
          o.name,
          `network of ${node} was applied (${justApplied}) but ${plan.changes.map(describeChange).join('; ')} remains`,
        );
        plan.changes = [];
      }
      return plan;
    });
    await protect(ctx, node, objs, plans, ifaces);
    claim(ctx, node, objs, plans);
    const staged = await stage(ctx, node, plans);
    const upid = staged.size > 0 ? await applyOrRevert(ctx, node, objs, prevs, true) : undefined;

    // 5. Outcomes.
    for (const [i, plan] of plans.entries()) {
      const o = objs[i]!;
      if (plan.error) {
        out.set(o.name, plan.error);
        continue;
      }
      const prev = prevs.get(o.name)!;
      const stuck = notConverged.get(o.name);
      if (stuck) {
        out.set(o.name, {
          observed: plan.observed,
          requeueAfterMs: failedMs,
          notReady: { reason: 'NotConverged', message: stuck },
          events: [{ type: 'Warning', reason: 'NotConverged', message: stuck }],
          driftCorrected: false,
        });
        continue;
      }
      const outcome: ObjectOutcome = { observed: plan.observed, events: [...plan.events] };
      if (justApplied && prev.applyUpid === justApplied) {
        outcome.events!.push({
          type: 'Normal',
          reason: 'Applied',
          message: `network of ${node} applied (${justApplied})`,
        });
      }
      const pendingCond = ctx
        .getStatus({ kind: o.kind, name: o.name })
        ?.conditions.find((c) => c.type === 'PendingChanges' && c.status === 'True');
      if (pendingCond) {
        outcome.conditions = [
          { type: 'PendingChanges', status: 'False', reason: 'NoPendingChanges', message: '' },
        ];
      }
      const actions = staged.get(o.name);
      if (actions && upid) {
        outcome.actions = [...actions, `applying network on ${node} (${upid})`];
        outcome.observed = { ...plan.observed, applyUpid: upid };
        outcome.requeueAfterMs = pollMs;
        outcome.notReady = {
          reason: 'Applying',
          message: `waiting for network apply task ${upid}`,
        };
      }
      if (outcome.events!.length === 0) delete outcome.events;
      out.set(o.name, outcome);
    }
    return out;
  }

  /** Refuses risky changes of the API bridge unless the spec allows them. */
  async function protect(
    ctx: ReconcileContext,
    node: string,
    objs: Obj[],
    plans: BridgePlan[],
    ifaces: ReadonlyMap<string, NetworkIface>,
  ): Promise<void> {
    let addrs: Set<string> | undefined;
    for (const [i, plan] of plans.entries()) {
      if (plan.error || objs[i]!.spec.allowApiBridge) continue;
      for (const c of plan.changes) {
        const item = ifaces.get(c.iface);
        if (!item || !isRisky(c)) continue;
        // Read once, and only when the gateway alone does not settle it: a bridge with the gateway
        // must not leave an empty set behind for the next bridge, which may carry the node address.
        if (!item.gateway) addrs ??= await apiAddressesOf(ctx, node);
        if (isApiBridge(item, addrs ?? new Set())) {
          plan.error = apiBridgeRefusal(node, c);
          break;
        }
      }
    }
  }

  /**
   * Write-ahead ownership: every bridge about to be created or adopted is recorded for its object
   * before any call that changes it, so a crash after the call still finds it ours.
   */
  function claim(ctx: ReconcileContext, node: string, objs: Obj[], plans: BridgePlan[]): void {
    for (const [i, plan] of plans.entries()) {
      for (const r of plan.release) ctx.ownership?.release(plan.name, r);
      if (plan.error) continue;
      try {
        ctx.ownership?.claim(plan.name, bridgeRef(node, objs[i]!.spec.iface));
      } catch (err) {
        plan.error = toError(err);
      }
    }
  }

  /** Stages every planned change; returns the actions per object that staged successfully. */
  async function stage(
    ctx: ReconcileContext,
    node: string,
    plans: BridgePlan[],
  ): Promise<Map<string, string[]>> {
    const staged = new Map<string, string[]>();
    for (const plan of plans) {
      if (plan.error || plan.changes.length === 0) continue;
      const actions: string[] = [];
      for (const c of plan.changes) {
        try {
          await stageChange(pve, node, c);
          actions.push(describeChange(c));
        } catch (err) {
          plan.error = toError(err);
          ctx.log.warn({ err, node, bridge: plan.name }, 'staging a bridge change failed');
          // Proxmox answered: the create did not happen, so the claim made for it must not let a
          // bridge someone else creates later pass for ours. (No answer: it may exist; keep it.)
          if (c.op === 'create' && isPveApiError(err) && err.status < 595) {
            ctx.ownership?.release(plan.name, bridgeRef(node, c.iface));
          }
          break;
        }
      }
      // Partly staged changes still go out with the apply: they are ours and consistent.
      if (actions.length > 0) staged.set(plan.name, actions);
      if (actions.length > 0) ctx.log.debug({ node, bridge: plan.name, actions }, 'staged');
    }
    return staged;
  }

  return {
    groupKey: (obj) => obj.spec.node,
    plan,
    apply,
    finalize,
  };
}
