/**
 * The AppContainer reconciler. One object per group (`groupKey` = name). `plan` reads and decides,
 * writing nothing (no Proxmox write, no claim, no event):
 *  1. polls the task in flight recorded in status (create, start, shutdown, reboot, resize,
 *     destroy) — never waiting on it: still running is a wait (requeue);
 *  2. locates the container: the VMID in status, else `spec.vmid`, else a scan of `pxr`-tagged
 *     containers for this object's marker (a crash between the create call and recording it);
 *  3. absent: the `exists` change (drift when a converged container was removed outside pxr), after
 *     the bridge (a wait: DependencyNotReady) and the template check;
 *  4. present: verifies ownership (marker, or `spec.adopt`), then plans config, disks, create-only
 *     fields, pending changes and power state (converge.ts).
 * `apply` carries out what the runtime admitted: the ownership plan decided (claims, releases),
 * VMID allocation and the write-ahead claim before a create, the config PUT, resize, reboot, power.
 * Reads per converged pass: the shared `/cluster/resources` list plus ONE `GET /pending`.
 * Conditions: PendingRestart, RequiresReplace (plus the runtime's Ready/Reconciling/Stalled/Drifted).
 * Deletion (finalize): shutdown, destroy with purge, verify gone; refused without the marker.
 */
import { eachObject } from '../../core/each-object.js';
import { TerminalError, toError } from '../../core/errors.js';
import type {
  AdmittedPlan,
  ObjectOutcome,
  ObjectPlan,
  PlanContext,
  PlannedChange,
  ReconcileContext,
  Reconciler,
  StoredObject,
} from '../../core/kind.js';
import { isPveApiError } from '../../pve/errors.js';
import { lxcCreate } from '../../pve/lxc.js';
import { applyConverge, planConverge } from './converge.js';
import { macOf } from './nic-state.js';
import {
  checkTemplate,
  createParams,
  nodeNotFound,
  readSecretFile,
  VmidAllocator,
  withSecrets,
} from './create.js';
import { applianceLan, joinSpec } from './appliance-join.js';
import { applianceNic } from '../guest-nics/nics.js';
import type { LxcMachine } from './lxc-machine.js';
import { finalizeOne } from './finalize.js';
import { claimCt, claimedCt, releaseCt } from './ownership.js';
import { readOrMissing, scanByMarker } from './locate.js';
import { markerOf } from './marker.js';
import { ObservationCache } from './observe-cache.js';
import { readObserved, taskRetryDelay, UNKNOWN_WHEN_ADOPTED } from './observed.js';
import {
  checkBridge,
  outcome,
  pollTask,
  taskProgress,
  taskStarted,
  TaskFailedError,
  vmidTakenBy,
  type AppContainerDeps,
  type Pass,
  type Shared,
} from './pass.js';
import { isCtState, type CtPlan, type CtState, type Step } from './plan-state.js';
import { resolveSpec, type AppContainerSpec, type ResolvedSpec } from './spec.js';

export type { AppContainerDeps };
export type { CtPlan } from './plan-state.js';

type Obj = StoredObject<AppContainerSpec>;

/** A plan with nothing to change: a wait, or a bookkeeping result apply hands back. */
function settled(p: Pass, extra: ObjectOutcome, waiting?: string): CtPlan {
  const reason = waiting ?? extra.notReady?.message;
  return {
    changes: [],
    ...(reason !== undefined ? { waiting: reason } : {}),
    state: { pass: p, step: { kind: 'outcome', extra } },
  };
}

export class AppContainerReconciler implements Reconciler<AppContainerSpec>, LxcMachine {
  readonly cache: ObservationCache;
  private readonly sh: Shared;

  constructor(deps: AppContainerDeps) {
    this.cache =
      deps.engine?.cache ??
      new ObservationCache(deps.pve, deps.clock, deps.resourcesTtlMs ?? 15_000);
    this.sh = {
      deps,
      cache: this.cache,
      allocator: deps.engine?.allocator ?? new VmidAllocator(deps.pve),
      pollMs: deps.taskPollMs ?? 2000,
      ipProbes: new Map(),
    };
  }

  groupKey(obj: Obj): string {
    return obj.name;
  }

  async plan(ctx: PlanContext, objs: Obj[]): Promise<Map<string, ObjectPlan | Error>> {
    return eachObject(objs, (obj) => this.planObject(ctx, obj, this.resolve(obj)));
  }

  async apply(
    ctx: ReconcileContext,
    objs: Obj[],
    plans: ReadonlyMap<string, AdmittedPlan>,
  ): Promise<Map<string, ObjectOutcome | Error>> {
    return eachObject(objs, (obj) => {
      const plan = plans.get(obj.name);
      return plan && this.applyObject(ctx, plan);
    });
  }

  async finalize(
    ctx: ReconcileContext,
    objs: Obj[],
  ): Promise<Map<string, 'done' | ObjectOutcome | Error>> {
    return eachObject(objs, (obj) => this.finalizeObject(ctx, obj, this.resolve(obj)));
  }

  /** Deletes the container of one object whose container spec the caller resolved. */
  finalizeObject(
    ctx: ReconcileContext,
    obj: StoredObject<unknown>,
    spec: ResolvedSpec,
  ): Promise<'done' | ObjectOutcome> {
    const p = this.pass(ctx, obj, spec);
    p.rc = ctx;
    return finalizeOne(p);
  }

  /**
   * Plans one object whose container spec the caller resolved (the entry point of every kind
   * running a container: the Appliance passes its own mapping). Reads only.
   */
  async planObject(
    ctx: PlanContext,
    obj: StoredObject<unknown>,
    spec: ResolvedSpec,
  ): Promise<CtPlan | Error> {
    const p = this.pass(ctx, obj, spec);
    try {
      const plan = await this.planOne(p);
      if (p.obs.adopted && p.obs.unknownFields && p.obs.unknownFields.length > 0)
        plan.unknown = [...p.obs.unknownFields];
      return plan;
    } catch (err) {
      const error = toError(err);
      // Ownership decided before the failure (a release, a claim) is still carried out by apply.
      if (p.deferred.length === 0) return error;
      return {
        changes: [],
        waiting: error.message,
        state: { pass: p, step: { kind: 'error', error } },
      };
    }
  }

  /** Carries out an admitted plan made by `planObject`. */
  async applyObject(ctx: ReconcileContext, plan: AdmittedPlan): Promise<ObjectOutcome> {
    if (!isCtState(plan.state)) throw new Error('the plan carries no container state');
    const { pass: p, step } = plan.state;
    p.ctx = ctx;
    p.rc = ctx;
    for (const op of p.deferred.splice(0)) {
      if (op.op === 'release') {
        ctx.ownership?.release(p.obj.name, op.ref);
        continue;
      }
      const conflict = claimCt(p, op.ref.node, Number(op.ref.resourceId));
      if (conflict && op.adopting)
        throw new TerminalError('NotOwned', `cannot adopt CT ${op.ref.resourceId}: ${conflict}`);
    }
    return this.applyStep(p, step, plan);
  }

  private resolve(obj: Obj): ResolvedSpec {
    return resolveSpec(obj.spec, obj.name);
  }

  private pass(ctx: PlanContext, obj: StoredObject<unknown>, own: ResolvedSpec): Pass {
    const raw = ctx.observedOf?.(obj.name) ?? ctx.observed;
    const name = applianceNic(own.nics)?.name;
    const app = name === undefined ? undefined : ctx.get({ kind: 'Appliance', name });
    const lan = app && !app.deletionRequested ? applianceLan(app) : undefined;
    return {
      sh: this.sh,
      ctx,
      deferred: [],
      obj,
      spec: joinSpec(own, lan),
      ...(lan ? { lan } : {}),
      obs: readObserved(raw),
      actions: [],
      events: [],
    };
  }

  private async applyStep(p: Pass, step: Step, plan: AdmittedPlan): Promise<ObjectOutcome> {
    const admitted = (field: string): boolean => plan.changes.some((c) => c.field === field);
    switch (step.kind) {
      case 'outcome':
        return outcome(p, step.extra);
      case 'error':
        throw step.error;
      case 'create':
        if (!admitted('exists')) {
          // A converged container removed by hand, under `alert`: reported, not re-created.
          return outcome(p, {
            driftCorrected: false,
            notReady: {
              reason: 'Missing',
              message: `CT ${step.vmid ?? '?'} was removed outside pxr`,
            },
          });
        }
        return this.create(p, step.vmid);
      case 'converge':
        return applyConverge(p, step.loc, step.facts, plan);
    }
  }

  private async planOne(p: Pass): Promise<CtPlan> {
    const { obs, spec } = p;
    if (obs.task) {
      const t = obs.task;
      const r = await pollTask(this.sh.deps.pve, t);
      if (r.state === 'running') {
        return settled(p, {
          requeueAfterMs: this.sh.pollMs,
          notReady: taskProgress(t.op, obs.vmid),
        });
      }
      delete obs.task;
      if (obs.vmid !== undefined) this.cache.touch(obs.vmid);
      if (r.state === 'failed') {
        const n = (obs.failures ?? 0) + 1;
        obs.failures = n;
        const message = new TaskFailedError(t.op, obs.vmid, r.exit).message;
        if (t.op === 'create' && spec.vmid === undefined) obs.phase = 'reserved';
        if (t.op === 'create') delete obs.template;
        return settled(p, {
          notReady: { reason: t.op === 'create' ? 'CreateFailed' : 'TaskFailed', message },
          requeueAfterMs: taskRetryDelay(n),
          events: [{ type: 'Warning', reason: 'TaskFailed', message }],
        });
      }
      delete obs.failures;
      if (t.op === 'create') p.actions.push(`created CT ${obs.vmid ?? '?'} on ${t.node}`);
      if (t.op === 'destroy') {
        // Replaced: re-create at spec.vmid, or at the same allocated VMID (the MAC is kept too).
        p.actions.push(`destroyed CT ${obs.vmid ?? '?'} to replace it`);
        if (obs.vmid !== undefined) releaseCt(p, t.node, obs.vmid);
        if (spec.vmid !== undefined) delete obs.vmid;
        else obs.phase = 'reserved';
        delete obs.template;
        delete obs.state;
      }
    }

    if (applianceNic(spec.nics)) {
      // Nothing to compare the member's NIC with until the appliance's LAN is known: touch nothing.
      const br = await checkBridge(p);
      if (!br.ok)
        return settled(p, { notReady: { reason: 'DependencyNotReady', message: br.message } });
    }
    const idx = await this.cache.guestIndex();
    if (obs.vmid === undefined) {
      const claim = claimedCt(p);
      if (claim) {
        // Claimed ahead of a create whose outcome was never recorded: confirm it below.
        obs.vmid = claim.vmid;
        obs.node = claim.node;
        obs.phase = 'reserved';
      }
    }
    let vmid = obs.vmid ?? spec.vmid;
    if (vmid === undefined) {
      vmid = await scanByMarker(p, idx);
      if (vmid !== undefined) {
        claimCt(p, spec.node, vmid);
        obs.vmid = vmid;
        obs.template = spec.template;
        p.events.push({
          type: 'Normal',
          reason: 'Recovered',
          message: `found CT ${vmid} by its ownership marker (created before a restart)`,
        });
      }
    }
    if (vmid === undefined) return this.planCreate(p, false);

    const entry = idx.byVmid.get(vmid);
    if (entry && entry.type !== 'lxc')
      return settled(p, this.vmidTaken(p, vmid, `a QEMU VM on node ${entry.node}`));
    const node = entry?.node ?? obs.node ?? spec.node;
    const read = await readOrMissing(p, node, vmid);
    if (!read) {
      const wasOurs =
        obs.vmid !== undefined && obs.phase === undefined && obs.appliedSpecHash !== undefined;
      return this.planCreate(p, wasOurs && obs.appliedSpecHash === p.obj.specHash, vmid);
    }
    if (read.current['lock'] === 'create') {
      return settled(p, {
        requeueAfterMs: this.sh.pollMs,
        notReady: { reason: 'Progressing', message: `CT ${vmid} is being created (lock: create)` },
      });
    }
    const owner = markerOf(read.current['description'] ?? read.effective['description']);
    if (owner !== p.obj.uid) {
      releaseCt(p, node, vmid);
      if (obs.phase === 'reserved' && spec.vmid === undefined) {
        // The VMID we reserved went to someone else meanwhile: allocate another.
        delete obs.vmid;
        delete obs.phase;
        return settled(p, {
          requeueAfterMs: 0,
          notReady: { reason: 'Progressing', message: 'VMID taken, re-allocating' },
        });
      }
      if (!spec.adopt) {
        throw new TerminalError(
          'NotOwned',
          `CT ${vmid} exists on node ${node} but does not carry this object's ownership marker${owner ? ` (it is bound to pxr:uid=${owner})` : ''}; pxr will not touch it. Set spec.adopt: true to take it over, or choose another vmid`,
          { context: { vmid, node } },
        );
      }
      // Taken over in apply; a conflict there is terminal.
      p.deferred.push({
        op: 'claim',
        ref: { resourceType: 'lxc', node, resourceId: String(vmid) },
        adopting: true,
      });
      if (!obs.adopted) {
        obs.adopted = true;
        obs.unknownFields = [...UNKNOWN_WHEN_ADOPTED];
        delete obs.template;
        p.events.push({
          type: 'Normal',
          reason: 'Adopted',
          message: `took over CT ${vmid}; unknown (cannot be read back): ${UNKNOWN_WHEN_ADOPTED.join(', ')}`,
        });
      }
    } else if (obs.phase === 'reserved' || obs.vmid === undefined) {
      obs.template = spec.template;
      p.events.push({
        type: 'Normal',
        reason: 'Recovered',
        message: `CT ${vmid} was created before a restart; resuming`,
      });
    }
    const loc = {
      vmid,
      node,
      entry,
      entryFresh: entry !== undefined && this.cache.isFresh(idx, vmid),
      read,
    };
    const { changes, facts } = await planConverge(p, loc);
    return { changes, state: { pass: p, step: { kind: 'converge', loc, facts } } };
  }

  /** The `exists` change, once the bridge and the template allow a create. */
  private async planCreate(p: Pass, drift: boolean, vmid?: number): Promise<CtPlan> {
    const { spec } = p;
    let br;
    try {
      br = await checkBridge(p);
      if (br.ok) await checkTemplate(this.sh.deps.pve, spec.node, spec.template);
    } catch (err) {
      throw nodeNotFound(err, spec.node);
    }
    const known = vmid ?? spec.vmid;
    const change: PlannedChange = {
      field: 'exists',
      desired: true,
      actual: false,
      calls: [
        ...(known === undefined ? ['GET /cluster/nextid'] : []),
        `POST /nodes/${spec.node}/lxc`,
      ],
      drift,
    };
    if (!br.ok) {
      const waiting = settled(p, {
        notReady: { reason: 'DependencyNotReady', message: br.message },
        ...(drift ? { driftCorrected: false } : {}),
      });
      // Drift (removed by hand) is still reported while the bridge is not ready.
      return drift ? { ...waiting, changes: [change] } : waiting;
    }
    const step: CtState['step'] = {
      kind: 'create',
      ...(vmid !== undefined ? { vmid } : {}),
    };
    return { changes: [change], state: { pass: p, step } };
  }

  private vmidTaken(p: Pass, vmid: number, by: string): ObjectOutcome {
    // Someone else's: a claim we wrote ahead of a create that never happened is dropped.
    releaseCt(p, p.obs.node ?? p.spec.node, vmid);
    if (p.spec.vmid === undefined) {
      delete p.obs.vmid;
      delete p.obs.phase;
      return {
        requeueAfterMs: 0,
        notReady: { reason: 'Progressing', message: 'VMID taken, re-allocating' },
      };
    }
    throw new TerminalError(
      'VmidTaken',
      `VMID ${vmid} is already used by ${by}; choose another spec.vmid, or remove it to let pxr allocate one`,
      { context: { vmid } },
    );
  }

  /**
   * After `CT N already exists`: when N carries our marker, or is still being created (no marker
   * readable yet), the claim is kept and N is confirmed by the next pass like any container
   * created before a restart — no second create, no release. Undefined when N is someone else's.
   */
  private async existingIsOurs(
    p: Pass,
    node: string,
    vmid: number,
  ): Promise<ObjectOutcome | undefined> {
    const read = await readOrMissing(p, node, vmid);
    const creating = read?.current['lock'] === 'create';
    const owner = markerOf(read?.current['description'] ?? read?.effective['description']);
    if (!creating && owner !== p.obj.uid) return undefined;
    p.obs.vmid = vmid;
    p.obs.node = node;
    p.obs.phase = 'reserved';
    return outcome(p, {
      requeueAfterMs: creating ? this.sh.pollMs : 0,
      notReady: {
        reason: 'Progressing',
        message: `CT ${vmid} already exists${creating ? ' (lock: create)' : ' with our marker'}; confirming it instead of creating another`,
      },
    });
  }

  /** The admitted `exists` change: allocate (when needed), claim, create. */
  private async create(p: Pass, knownVmid?: number): Promise<ObjectOutcome> {
    const { spec, obs } = p;
    const { pve } = this.sh.deps;
    let vmid = knownVmid ?? spec.vmid;
    if (vmid === undefined) {
      vmid = await this.sh.allocator.allocate();
      obs.vmid = vmid;
      obs.node = spec.node;
      obs.phase = 'reserved';
      if (!p.rc?.ownership) {
        // No write-ahead inventory: record the allocation in status (one pass) before the call.
        return outcome(p, {
          requeueAfterMs: 0,
          notReady: { reason: 'Progressing', message: `allocated VMID ${vmid}` },
        });
      }
    }
    // Durable before the create call: after a crash, this claim says where to look.
    const claimed = claimCt(p, spec.node, vmid);
    if (claimed) return outcome(p, this.vmidTaken(p, vmid, claimed));
    // A member's MAC is fixed up front: its appliance reserves the address before the first boot.
    const params = createParams(spec, p.obj.uid, vmid, macOf(p));
    let upid: string;
    try {
      upid = await lxcCreate(
        pve,
        spec.node,
        await withSecrets(params, spec, this.sh.deps.readSecret ?? readSecretFile),
      );
    } catch (err) {
      const taken = vmidTakenBy(err);
      if (taken?.type === 'CT') {
        // Possibly our own create still in flight from before a restart (its VMID read 404 when
        // this pass started): only the marker tells, so read it before giving the VMID up.
        const mine = await this.existingIsOurs(p, taken.node, vmid);
        if (mine) return mine;
      }
      if (taken) {
        return outcome(
          p,
          this.vmidTaken(
            p,
            vmid,
            `${taken.type === 'VM' ? 'a QEMU VM' : 'another container'} on node ${taken.node}`,
          ),
        );
      }
      if (isPveApiError(err, 'PARAM')) {
        throw new TerminalError(
          'InvalidSpec',
          `Proxmox refused to create CT ${vmid}: ${err.message}`,
          { cause: err },
        );
      }
      throw err;
    }
    obs.vmid = vmid;
    obs.node = spec.node;
    obs.template = spec.template;
    delete obs.phase;
    delete obs.ip;
    delete obs.ips;
    delete obs.state;
    p.actions.push(`creating CT ${vmid} on ${spec.node} from ${spec.template}`);
    return taskStarted(p, 'create', spec.node, upid);
  }
}
