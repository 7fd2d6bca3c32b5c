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
 * `finalize` deletes the bridges pxr owns with one apply task (polled by requeue), releases their
 * inventory records once they are confirmed gone, then answers `done`; unowned ones are let go
 * without being touched (`DeletionSkipped` event).
 * Conditions: `PendingChanges` (plus the runtime's Ready/Reconciling/Stalled/Drifted).
 */
import type { Clock } from '../../core/clock.js';
import type { DriftSettings } from '../../core/drift-policy.js';
import { toError } from '../../core/errors.js';
import type { ObjectOutcome, ReconcileContext, Reconciler, StoredObject } from '../../core/kind.js';
import { isPveApiError } from '../../pve/errors.js';
import type { NetworkIface, NetworkList, PveClient } from '../../pve/types.js';
import { describeChange } from './diff.js';
import { activeReload, recordedApplyState, stageChange } from './network-ops.js';
import { bridgeRef, inventoryBridges, ownedBridges, ownedOnNode } from './owned.js';
import { classifyPending, type PendingVerdict } from './pending.js';
import { planBridge, type BridgeObserved, type BridgePlan } from './plan.js';
import { apiBridgeRefusal, isApiBridge, isRisky, nodeAddresses } from './protect.js';
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

type Obj = StoredObject<BridgeSpec>;
type Outcomes = Map<string, ObjectOutcome | Error>;

function asObserved(v: Record<string, unknown> | undefined): BridgeObserved {
  return { ...(v ?? {}) };
}

function withoutUpid(o: BridgeObserved): BridgeObserved {
  const { applyUpid: _drop, ...rest } = o;
  return rest;
}

export function createBridgeReconciler(deps: BridgeReconcilerDeps): Reconciler<BridgeSpec> {
  const { pve } = deps;
  const pollMs = deps.taskPollMs ?? 2000;
  const foreignMs = deps.foreignPendingRequeueMs ?? 60_000;
  const failedMs = deps.applyFailedRequeueMs ?? 30_000;

  const prevOf = (ctx: ReconcileContext, objs: Obj[], o: Obj): BridgeObserved =>
    asObserved(ctx.observedOf?.(o.name) ?? (objs.length === 1 ? ctx.observed : {}));

  const applying = (prev: BridgeObserved, upid: string): ObjectOutcome => ({
    observed: prev,
    requeueAfterMs: pollMs,
    notReady: { reason: 'Applying', message: `waiting for network apply task ${upid}` },
  });

  const foreign = (node: string, prev: BridgeObserved, why: string): ObjectOutcome => {
    const message = `the network configuration of ${node} has pending changes pxr did not make (${why}); apply or revert them (Proxmox UI: System > Network)`;
    return {
      observed: withoutUpid(prev),
      requeueAfterMs: foreignMs,
      notReady: { reason: 'ForeignPendingChanges', message },
      conditions: [
        { type: 'PendingChanges', status: 'True', reason: 'ForeignPendingChanges', message },
      ],
      events: [{ type: 'Warning', reason: 'ForeignPendingChanges', message }],
    };
  };

  /** API addresses of the node, read only when a risky change needs the check. */
  const apiAddressesOf = async (ctx: ReconcileContext, node: string): Promise<Set<string>> => {
    try {
      return nodeAddresses(await pve.get<Record<string, unknown>[]>('/cluster/status'), node);
    } catch (err) {
      // The gateway check still protects the usual API bridge; say why the address check is off.
      ctx.log.warn(
        { err, node },
        'cannot read /cluster/status; API bridge check uses gateway only',
      );
      return new Set();
    }
  };

  /** Whether the changes staged on the node are only pxr's own (pending.ts). */
  const verdictOf = (
    ctx: ReconcileContext,
    node: string,
    objs: Obj[],
    prevs: ReadonlyMap<string, BridgeObserved>,
    net: NetworkList,
    live: boolean,
  ): { verdict: PendingVerdict; owners: Set<string> } => {
    const owned = ownedBridges(ctx, objs, prevs, node, live);
    const pending = new Map(net.ifaces.map((i) => [i.iface, i]));
    const verdict = classifyPending(net.changes ?? '', pending, owned);
    const owners = new Set(verdict.ours ? verdict.ifaces.map((i) => owned.get(i)!.owner) : []);
    return { verdict, owners };
  };

  /**
   * Pending changes with no recorded task: a reload in flight (wait), pxr's own from a pass that
   * died before applying them (apply now), or someone else's (report, touch nothing).
   */
  const pendingPass = async (
    ctx: ReconcileContext,
    node: string,
    objs: Obj[],
    prevs: Map<string, BridgeObserved>,
    net: NetworkList,
    live: boolean,
  ): Promise<Outcomes> => {
    const out: Outcomes = new Map();
    const running = await activeReload(pve, node);
    if (running) {
      for (const o of objs) out.set(o.name, applying(prevs.get(o.name) ?? {}, running));
      return out;
    }
    const { verdict, owners } = verdictOf(ctx, node, objs, prevs, net, live);
    if (!verdict.ours) {
      ctx.log.warn({ node, reason: verdict.reason }, 'foreign pending network changes');
      for (const o of objs) out.set(o.name, foreign(node, prevs.get(o.name) ?? {}, verdict.reason));
      return out;
    }
    const upid = await applyOrRevert(ctx, node, objs, prevs, live);
    const what = `${verdict.ifaces.join(', ')} staged by an interrupted pass`;
    ctx.log.info({ node, ifaces: verdict.ifaces, upid }, 'applying our own staged changes');
    for (const o of objs) {
      const prev = withoutUpid(prevs.get(o.name) ?? {});
      if (!owners.has(o.name)) {
        out.set(o.name, applying(prev, upid));
        continue;
      }
      out.set(o.name, {
        ...applying({ ...prev, applyUpid: upid }, upid),
        actions: [`applying network on ${node} (${upid}): ${what}`],
      });
    }
    return out;
  };

  async function reconcile(ctx: ReconcileContext, objs: Obj[]): Promise<Outcomes> {
    const out: Outcomes = new Map();
    const node = objs[0]?.spec.node;
    if (node === undefined) return out;
    const prevs = new Map(objs.map((o) => [o.name, prevOf(ctx, objs, o)]));
    const upids = [...prevs.values()].flatMap((p) => (p.applyUpid ? [p.applyUpid] : []));

    // 1. The task we started last time.
    const task = upids.length > 0 ? await recordedApplyState(pve, node, upids) : undefined;
    if (task?.state === 'running') {
      for (const o of objs) out.set(o.name, applying(prevs.get(o.name)!, task.upid));
      return out;
    }

    // 2. One read of the node's network.
    const net = await pve.listNetwork(node);
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

    // 4. Plan, protect, stage, apply.
    const justApplied = task?.state === 'ok' ? task.upid : undefined;
    const ifaces = new Map(net.ifaces.map((i) => [i.iface, i]));
    // Differences that survived our own apply: a value Proxmox does not keep as sent, or an edit
    // racing ours. Reported and retried slowly rather than re-applied in a tight loop.
    const notConverged = new Map<string, string>();
    const plans = objs.map((o) => {
      const prev = prevs.get(o.name)!;
      const status = ctx.getStatus({ kind: o.kind, name: o.name });
      const plan = planBridge(
        {
          obj: o,
          prev,
          converged: status?.observedGeneration === o.generation && !prev.applyUpid,
          drift: settingsOf(ctx, o.name),
          inventory: inventoryBridges(ctx, o.name),
        },
        ifaces,
      );
      if (plan.changes.length > 0 && justApplied && prev.applyUpid === justApplied) {
        notConverged.set(
          o.name,
          `network of ${node} was applied (${justApplied}) but ${plan.changes.map(describeChange).join('; ')} remains`,
        );
      }
      return plan;
    });
    for (const plan of plans) if (notConverged.has(plan.name)) plan.changes = [];
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
        });
        continue;
      }
      const outcome: ObjectOutcome = { observed: plan.observed, events: [...plan.events] };
      if (plan.drift.length > 0) {
        outcome.drift = plan.drift;
        outcome.driftCorrected = plan.correcting;
      }
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

  function settingsOf(ctx: ReconcileContext, name: string): DriftSettings {
    return ctx.driftSettings?.(name) ?? { policy: ctx.driftPolicy, ignoreFields: [] };
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
        addrs ??= item.gateway ? new Set() : await apiAddressesOf(ctx, node);
        if (isApiBridge(item, addrs)) {
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
      if (actions.length > 0) ctx.log.info({ node, bridge: plan.name, actions }, 'staged');
    }
    return staged;
  }

  /**
   * Starts the one apply task; if that fails, un-stages so nothing of ours lingers as "foreign" —
   * but only when what is staged is still exactly ours (someone may have staged an edit meanwhile).
   */
  async function applyOrRevert(
    ctx: ReconcileContext,
    node: string,
    objs: Obj[],
    prevs: Map<string, BridgeObserved>,
    live: boolean,
  ): Promise<string> {
    try {
      return await pve.applyNetwork(node);
    } catch (err) {
      try {
        const net = await pve.listNetwork(node);
        const v = net.changes ? verdictOf(ctx, node, objs, prevs, net, live).verdict : undefined;
        if (v?.ours) await pve.revertNetwork(node);
        else if (v) ctx.log.warn({ node, reason: v.reason }, 'apply failed; staged changes left');
      } catch (revertErr) {
        ctx.log.error({ err: revertErr, node }, 'reverting staged network changes failed');
      }
      throw err;
    }
  }

  async function finalize(
    ctx: ReconcileContext,
    objs: Obj[],
  ): Promise<Map<string, 'done' | ObjectOutcome | Error>> {
    const out = new Map<string, 'done' | ObjectOutcome | Error>();
    const node = objs[0]?.spec.node;
    if (node === undefined) return out;
    const prevs = new Map(objs.map((o) => [o.name, prevOf(ctx, objs, o)]));
    const upids = [...prevs.values()].flatMap((p) => (p.applyUpid ? [p.applyUpid] : []));
    const task = upids.length > 0 ? await recordedApplyState(pve, node, upids) : undefined;
    if (task?.state === 'running') {
      for (const o of objs) out.set(o.name, applying(prevs.get(o.name)!, task.upid));
      return out;
    }
    const net = await pve.listNetwork(node);
    // The runtime does not keep observed facts of a finalize pass, so our own delete+apply is
    // recognised by the reload still running on the node, or (died before applying) by the
    // pending changes being only the removal of bridges these objects own.
    if (net.changes) return pendingPass(ctx, node, objs, prevs, net, false);
    const ifaces = new Map(net.ifaces.map((i) => [i.iface, i]));
    const deleted = new Map<string, string[]>();
    let addrs: Set<string> | undefined;
    for (const o of objs) {
      const mine = ownedOnNode(ctx, o, prevs.get(o.name)!, node);
      releaseElsewhere(ctx, o, node);
      if (mine.length === 0) {
        if (ifaces.has(o.spec.iface)) {
          const message = `${o.spec.iface} on ${node} was not created by pxr; left in place`;
          ctx.log.warn({ node, iface: o.spec.iface, bridge: o.name }, message);
          ctx.recordEvent?.(o.name, { type: 'Warning', reason: 'DeletionSkipped', message });
        }
        out.set(o.name, 'done');
        continue;
      }
      // Confirmed gone (deleted by our last apply, or by hand): the record goes.
      for (const iface of mine) {
        if (ifaces.get(iface)?.type !== 'bridge')
          ctx.ownership?.release(o.name, bridgeRef(node, iface));
      }
      const present = mine.filter((i) => ifaces.get(i)?.type === 'bridge');
      if (present.length === 0) {
        out.set(o.name, 'done');
        continue;
      }
      try {
        for (const iface of present) {
          const item = ifaces.get(iface)!;
          if (!o.spec.allowApiBridge) {
            addrs ??= item.gateway ? new Set() : await apiAddressesOf(ctx, node);
            if (isApiBridge(item, addrs)) {
              throw apiBridgeRefusal(node, {
                op: 'delete',
                iface,
                fields: [],
                params: { type: 'bridge' },
              });
            }
          }
          await pve.deleteNetwork(node, iface);
          deleted.set(o.name, [...(deleted.get(o.name) ?? []), iface]);
        }
      } catch (err) {
        out.set(o.name, toError(err));
      }
    }
    if (deleted.size === 0) return out;
    const upid = await applyOrRevert(ctx, node, objs, prevs, false);
    for (const [name, gone] of deleted) {
      out.set(name, {
        actions: [...gone.map((i) => `delete ${i}`), `applying network on ${node} (${upid})`],
        requeueAfterMs: pollMs,
        notReady: { reason: 'Deleting', message: `removing ${gone.join(', ')} (${upid})` },
      });
    }
    return out;
  }

  /** A deleted object's bridges on other nodes are not this group's to delete: let go, loudly. */
  function releaseElsewhere(ctx: ReconcileContext, o: Obj, node: string): void {
    for (const r of inventoryBridges(ctx, o.name)) {
      if (r.node === node) continue;
      ctx.ownership?.release(o.name, r);
      const message = `bridge ${r.resourceId} on ${r.node} is no longer managed; remove it by hand if unused`;
      ctx.recordEvent?.(o.name, { type: 'Warning', reason: 'LeftBehind', message });
    }
  }

  return {
    groupKey: (obj) => obj.spec.node,
    reconcile,
    finalize,
  };
}
