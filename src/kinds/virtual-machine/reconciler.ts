/**
 * The VirtualMachine reconciler, one object per group. `plan` reads and decides, writing nothing:
 *  1. polls the task in flight recorded in status (download, create, clone, power, resize, destroy);
 *  2. waits for each NIC's bridge (a Bridge object Ready, or the bridge present) or appliance;
 *  3. locates the VM: the VMID in status, else the write-ahead claim, else `spec.vmid`, else a scan of
 *     `pxr`-tagged VMs of that name for this object's marker;
 *  4. absent: the `exists` change (image downloaded first when the source is a URL);
 *  5. present: the ownership marker, then config, disks, create-only fields, pending changes and power
 *     (converge.ts).
 * `apply` carries out what the runtime admitted: VMID allocation and the write-ahead claim before a
 * create or clone, the digest-guarded config PUT, cloud-init regeneration, resize, reboot, power.
 * Reads per converged pass: the shared `/cluster/resources` list plus ONE `GET /pending`.
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
import { storageContent } from '../../pve/lxc.js';
import { qemuClone, qemuCreate, storageDownloadUrl } from '../../pve/qemu.js';
import type { Params } from '../../pve/types.js';
import { applianceLan, memberMac } from '../app-container/appliance-join.js';
import { readSecretFile, VmidAllocator } from '../app-container/create.js';
import { descriptionWithMarker, markerOf, PXR_TAG } from '../app-container/marker.js';
import type { GuestIndex } from '../app-container/observe-cache.js';
import { ObservationCache } from '../app-container/observe-cache.js';
import { claimCt, claimedCt, releaseCt } from '../app-container/ownership.js';
import { bridgeReady, pollTask, vmidTakenBy } from '../app-container/pass.js';
import { newDiskString, planConfig } from './config.js';
import { applyConverge, planConverge, type Located, type VmFacts } from './converge.js';
import { finalizeVm } from './finalize.js';
import { readOrMissing } from './locate.js';
import {
  outcome,
  readVmObserved,
  taskStarted,
  vmTaskProgress,
  type Pass,
  type VirtualMachineDeps,
  type VmShared,
} from './pass.js';
import { applianceNic } from '../guest-nics/nics.js';
import { resolveVm, type ResolvedVm, type VirtualMachineSpec } from './spec.js';

export type { VirtualMachineDeps };

type Obj = StoredObject<VirtualMachineSpec>;

type Step =
  | { kind: 'outcome'; extra: ObjectOutcome }
  | { kind: 'error'; error: Error }
  | { kind: 'create'; vmid?: number; bridges: string[]; image?: string; download?: Download }
  | { kind: 'converge'; loc: Located; facts: VmFacts };

interface Download {
  storage: string;
  url: string;
  filename: string;
  volid: string;
}

interface VmPlanState {
  pass: Pass;
  step: Step;
}

function isVmState(v: unknown): v is VmPlanState {
  return typeof v === 'object' && v !== null && 'pass' in v && 'step' in v;
}

function settled(p: Pass, extra: ObjectOutcome, waiting?: string): ObjectPlan<VmPlanState> {
  const reason = waiting ?? extra.notReady?.message;
  return {
    changes: [],
    ...(reason !== undefined ? { waiting: reason } : {}),
    state: { pass: p, step: { kind: 'outcome', extra } },
  };
}

/** `image:<volid or URL>` / `clone:<template>`: what the VM was created from (create-only). */
export function sourceKey(s: ResolvedVm): string {
  return s.source.kind === 'image' ? `image:${s.source.image}` : `clone:${s.source.template}`;
}

/** Where a URL image is kept: `<storage>:import/<file>` (`.img` cloud images are qcow2 files). */
export function downloadOf(s: ResolvedVm): Download | undefined {
  if (s.source.kind !== 'image' || !/^https?:\/\//.test(s.source.image)) return undefined;
  const base = new URL(s.source.image).pathname.split('/').pop() ?? 'image.qcow2';
  const filename = base.replace(/[^a-zA-Z0-9_.-]/g, '_').replace(/\.img$/, '.qcow2');
  return {
    storage: s.source.storage,
    url: s.source.image,
    filename,
    volid: `${s.source.storage}:import/${filename}`,
  };
}

export class VirtualMachineReconciler implements Reconciler<VirtualMachineSpec> {
  readonly cache: ObservationCache;
  private readonly sh: VmShared;

  constructor(deps: VirtualMachineDeps) {
    this.cache =
      deps.engine?.cache ??
      new ObservationCache(deps.pve, deps.clock, deps.resourcesTtlMs ?? 15_000);
    this.sh = {
      deps,
      cache: this.cache,
      allocator: deps.engine?.allocator ?? new VmidAllocator(deps.pve),
      pollMs: deps.taskPollMs ?? 2000,
      agentProbes: new Map(),
    };
  }

  groupKey(obj: Obj): string {
    return obj.name;
  }

  async plan(ctx: PlanContext, objs: Obj[]): Promise<Map<string, ObjectPlan | Error>> {
    return eachObject(objs, (obj) => this.planObject(ctx, obj));
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
    return eachObject(objs, (obj) => {
      const p = this.pass(ctx, obj);
      p.rc = ctx;
      return finalizeVm(p);
    });
  }

  private pass(ctx: PlanContext, obj: Obj): Pass {
    const spec = resolveVm(obj.spec, obj.name);
    const raw = ctx.observedOf?.(obj.name) ?? ctx.observed;
    const nic = applianceNic(spec.nics);
    const app = nic && ctx.get({ kind: 'Appliance', name: nic.name });
    const lan = app && !app.deletionRequested ? applianceLan(app) : undefined;
    return {
      sh: this.sh,
      ctx,
      deferred: [],
      obj,
      spec,
      ...(lan ? { lan } : {}),
      obs: readVmObserved(raw),
      actions: [],
      events: [],
    };
  }

  private async planObject(ctx: PlanContext, obj: Obj): Promise<ObjectPlan | Error> {
    const p = this.pass(ctx, obj);
    try {
      return await this.planOne(p);
    } catch (err) {
      const error = toError(err);
      if (p.deferred.length === 0) return error;
      return {
        changes: [],
        waiting: error.message,
        state: { pass: p, step: { kind: 'error', error } },
      };
    }
  }

  private async applyObject(ctx: ReconcileContext, plan: AdmittedPlan): Promise<ObjectOutcome> {
    if (!isVmState(plan.state)) throw new Error('the plan carries no VM state');
    const { pass: p, step } = plan.state;
    p.ctx = ctx;
    p.rc = ctx;
    for (const op of p.deferred.splice(0)) {
      if (op.op === 'release') ctx.ownership?.release(p.obj.name, op.ref);
      else claimCt(p, op.ref.node, Number(op.ref.resourceId), 'qemu');
    }
    switch (step.kind) {
      case 'outcome':
        return outcome(p, step.extra);
      case 'error':
        throw step.error;
      case 'create':
        if (!plan.changes.some((c) => c.field === 'exists')) {
          return outcome(p, {
            driftCorrected: false,
            notReady: {
              reason: 'Missing',
              message: `VM ${step.vmid ?? '?'} was removed outside pxr`,
            },
          });
        }
        return this.create(p, step);
      case 'converge':
        return applyConverge(p, step.loc, step.facts, plan);
    }
  }

  /** Each NIC's bridge, once usable (the appliance's LAN bridge for an appliance NIC). */
  private async bridges(
    p: Pass,
  ): Promise<{ ok: true; bridges: string[] } | { ok: false; message: string }> {
    const out: string[] = [];
    for (const nic of p.spec.nics) {
      if (nic.appliance !== undefined) {
        const lan = p.lan;
        if (!lan)
          return {
            ok: false,
            message: `waiting for Appliance/${nic.appliance}: no such Appliance object`,
          };
        if (lan.node !== p.spec.node)
          return {
            ok: false,
            message: `Appliance/${nic.appliance} runs on node ${lan.node}, not ${p.spec.node}`,
          };
        if (!p.ctx.getStatus({ kind: 'Appliance', name: nic.appliance })?.ready)
          return { ok: false, message: `waiting for Appliance/${nic.appliance} to be Ready` };
        out.push(lan.bridge);
        continue;
      }
      const bridge = nic.bridge ?? '';
      const r = await bridgeReady(p.ctx, this.cache, p.spec.node, bridge);
      if (!r.ok) return r;
      out.push(bridge);
    }
    return { ok: true, bridges: out };
  }

  private async planOne(p: Pass): Promise<ObjectPlan<VmPlanState>> {
    const { obs, spec } = p;
    if (obs.task) {
      const t = obs.task;
      const r = await pollTask(this.sh.deps.pve, t);
      if (r.state === 'running') {
        return settled(p, {
          requeueAfterMs: this.sh.pollMs,
          notReady: vmTaskProgress(t.op, obs.vmid),
        });
      }
      delete obs.task;
      if (obs.vmid !== undefined) this.cache.touch(obs.vmid);
      if (r.state === 'failed') {
        const n = (obs.failures ?? 0) + 1;
        obs.failures = n;
        const message = `${t.op} of VM ${obs.vmid ?? '?'} failed: ${r.exit}`;
        if ((t.op === 'create' || t.op === 'clone') && spec.vmid === undefined)
          obs.phase = 'reserved';
        if (t.op === 'create' || t.op === 'clone') {
          delete obs.source;
          delete obs.passwordFile;
        }
        return settled(p, {
          notReady: {
            reason: t.op === 'create' || t.op === 'clone' ? 'CreateFailed' : 'TaskFailed',
            message,
          },
          requeueAfterMs: Math.min(750 * 2 ** (n - 1), 900_000),
          events: [{ type: 'Warning', reason: 'TaskFailed', message }],
        });
      }
      delete obs.failures;
      if (t.op === 'create' || t.op === 'clone')
        p.actions.push(
          `${t.op === 'clone' ? 'cloned' : 'created'} VM ${obs.vmid ?? '?'} on ${t.node}`,
        );
      if (t.op === 'download') p.actions.push(`downloaded the image of VM ${spec.name}`);
      if (t.op === 'destroy') {
        p.actions.push(`destroyed VM ${obs.vmid ?? '?'} to replace it`);
        if (obs.vmid !== undefined) releaseCt(p, t.node, obs.vmid, 'qemu');
        if (spec.vmid !== undefined) delete obs.vmid;
        else obs.phase = 'reserved';
        delete obs.source;
        delete obs.state;
        delete obs.ips;
        // The next VM is a new one: its password was never sent.
        delete obs.passwordFile;
      }
    }

    const br = await this.bridges(p);
    const idx = await this.cache.guestIndex();
    if (obs.vmid === undefined) {
      const claim = claimedCt(p, 'qemu');
      if (claim) {
        obs.vmid = claim.vmid;
        obs.node = claim.node;
        obs.phase = 'reserved';
      }
    }
    let vmid = obs.vmid ?? spec.vmid;
    if (vmid === undefined) {
      vmid = await this.scanByMarker(p, idx);
      if (vmid !== undefined) {
        claimCt(p, spec.node, vmid, 'qemu');
        obs.vmid = vmid;
        obs.source = sourceKey(spec);
        p.events.push({
          type: 'Normal',
          reason: 'Recovered',
          message: `found VM ${vmid} by its ownership marker`,
        });
      }
    }
    if (!br.ok)
      return settled(p, { notReady: { reason: 'DependencyNotReady', message: br.message } });
    if (vmid === undefined) return this.planCreate(p, br.bridges, false);

    const entry = idx.byVmid.get(vmid);
    if (entry && entry.type !== 'qemu')
      return settled(p, this.vmidTaken(p, vmid, `a container on node ${entry.node}`));
    const node = entry?.node ?? obs.node ?? spec.node;
    const read = await readOrMissing(p, node, vmid);
    if (!read) {
      const wasOurs =
        obs.vmid !== undefined && obs.phase === undefined && obs.appliedSpecHash !== undefined;
      return this.planCreate(
        p,
        br.bridges,
        wasOurs && obs.appliedSpecHash === p.obj.specHash,
        vmid,
      );
    }
    const lock = read.current['lock'];
    if (lock === 'create' || lock === 'clone') {
      return settled(p, {
        requeueAfterMs: this.sh.pollMs,
        notReady: {
          reason: 'Progressing',
          message: `VM ${vmid} is being created (lock: ${String(lock)})`,
        },
      });
    }
    const owner = markerOf(read.current['description'] ?? read.effective['description']);
    if (owner !== p.obj.uid) {
      releaseCt(p, node, vmid, 'qemu');
      if (obs.phase === 'reserved' && spec.vmid === undefined) {
        delete obs.vmid;
        delete obs.phase;
        return settled(p, {
          requeueAfterMs: 0,
          notReady: { reason: 'Progressing', message: 'VMID taken, re-allocating' },
        });
      }
      throw new TerminalError(
        'NotOwned',
        `VM ${vmid} exists on node ${node} but does not carry this object's ownership marker${owner ? ` (it is bound to pxr:uid=${owner})` : ''}; pxr will not touch it. Choose another vmid`,
        { context: { vmid, node } },
      );
    }
    if (obs.phase === 'reserved' || obs.vmid === undefined) {
      obs.source ??= sourceKey(spec);
      p.events.push({
        type: 'Normal',
        reason: 'Recovered',
        message: `VM ${vmid} was created before a restart; resuming`,
      });
    }
    const loc: Located = {
      vmid,
      node,
      entry,
      entryFresh: entry !== undefined && this.cache.isFresh(idx, vmid),
      read,
      bridges: br.bridges,
    };
    const { changes, facts } = await planConverge(p, loc, sourceKey(spec));
    return { changes, state: { pass: p, step: { kind: 'converge', loc, facts } } };
  }

  /** A `pxr`-tagged VM of this name on this node carrying this object's marker. */
  private async scanByMarker(p: Pass, idx: GuestIndex): Promise<number | undefined> {
    for (const e of idx.byVmid.values()) {
      if (e.type !== 'qemu' || e.node !== p.spec.node || e.name !== p.spec.name) continue;
      if (!e.tags.split(/[;,\s]+/).includes(PXR_TAG)) continue;
      const read = await readOrMissing(p, e.node, e.vmid);
      if (read && markerOf(read.current['description']) === p.obj.uid) return e.vmid;
    }
    return undefined;
  }

  private async planCreate(
    p: Pass,
    bridges: string[],
    drift: boolean,
    vmid?: number,
  ): Promise<ObjectPlan<VmPlanState>> {
    const { spec } = p;
    const known = vmid ?? spec.vmid;
    const calls = known === undefined ? ['GET /cluster/nextid'] : [];
    const step: Extract<Step, { kind: 'create' }> = { kind: 'create', bridges };
    if (vmid !== undefined) step.vmid = vmid;
    if (spec.source.kind === 'image') {
      const dl = downloadOf(spec);
      step.image = dl?.volid ?? spec.source.image;
      if (dl) {
        const have = await storageContent(this.sh.deps.pve, spec.node, dl.storage, 'import');
        if (!have.some((v) => v.volid === dl.volid)) {
          step.download = dl;
          calls.unshift(`POST /nodes/${spec.node}/storage/${dl.storage}/download-url`);
        }
      }
      calls.push(`POST /nodes/${spec.node}/qemu`);
    } else {
      const tpl = await this.template(p);
      calls.push(`POST /nodes/${spec.node}/qemu/${tpl}/clone`);
    }
    const change: PlannedChange = { field: 'exists', desired: true, actual: false, calls, drift };
    return { changes: [change], state: { pass: p, step } };
  }

  /** The template's VMID: given, or found by name among the node's templates. */
  private async template(p: Pass): Promise<number> {
    const src = p.spec.source;
    if (src.kind !== 'clone') throw new Error('not a clone');
    if (typeof src.template === 'number') return src.template;
    const idx = await this.cache.guestIndex();
    const found = [...idx.byVmid.values()].filter(
      (e) => e.type === 'qemu' && e.template && e.name === src.template && e.node === p.spec.node,
    );
    const first = found[0];
    if (!first) {
      throw new TerminalError(
        'TemplateNotFound',
        `no VM template named '${src.template}' on node ${p.spec.node}; set source.clone.template to its VMID or name`,
      );
    }
    return first.vmid;
  }

  private vmidTaken(p: Pass, vmid: number, by: string): ObjectOutcome {
    releaseCt(p, p.obs.node ?? p.spec.node, vmid, 'qemu');
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

  /** The admitted `exists` change: download the image, allocate, claim, create or clone. */
  private async create(p: Pass, step: Extract<Step, { kind: 'create' }>): Promise<ObjectOutcome> {
    const { spec, obs } = p;
    const { pve } = this.sh.deps;
    if (step.download) {
      const dl = step.download;
      const opts: Parameters<typeof storageDownloadUrl>[3] = {
        url: dl.url,
        filename: dl.filename,
        content: 'import',
      };
      if (spec.source.kind === 'image' && spec.source.checksum !== undefined)
        opts.checksum = spec.source.checksum;
      const upid = await storageDownloadUrl(pve, spec.node, dl.storage, opts);
      p.actions.push(`downloading ${dl.url} to ${dl.volid}`);
      return taskStarted(p, 'download', spec.node, upid);
    }
    let vmid = step.vmid ?? spec.vmid;
    if (vmid === undefined) {
      vmid = await this.sh.allocator.allocate();
      obs.vmid = vmid;
      obs.node = spec.node;
      obs.phase = 'reserved';
      if (!p.rc?.ownership) {
        return outcome(p, {
          requeueAfterMs: 0,
          notReady: { reason: 'Progressing', message: `allocated VMID ${vmid}` },
        });
      }
    }
    // Durable before the create call: after a crash, this claim says where to look.
    const claimed = claimCt(p, spec.node, vmid, 'qemu');
    if (claimed) return outcome(p, this.vmidTaken(p, vmid, claimed));
    const macs = this.createMacs(p);
    let upid: string;
    const op = spec.source.kind === 'clone' ? 'clone' : 'create';
    try {
      if (spec.source.kind === 'clone') {
        const tpl = await this.template(p);
        const opts: Parameters<typeof qemuClone>[3] = {
          newid: vmid,
          name: spec.name,
          description: descriptionWithMarker(spec.description, p.obj.uid),
          full: spec.source.full,
        };
        if (spec.source.full && spec.disks[0]) opts.storage = spec.disks[0].storage;
        upid = await qemuClone(pve, spec.node, tpl, opts);
      } else {
        const params = await this.withPassword(
          p,
          createParams(p, vmid, step.bridges, macs, step.image ?? ''),
        );
        upid = await qemuCreate(pve, spec.node, params);
      }
    } catch (err) {
      const taken = vmidTakenBy(err);
      if (taken)
        return outcome(
          p,
          this.vmidTaken(
            p,
            vmid,
            `${taken.type === 'VM' ? 'another VM' : 'a container'} on node ${taken.node}`,
          ),
        );
      if (isPveApiError(err, 'PARAM')) {
        throw new TerminalError(
          'InvalidSpec',
          `Proxmox refused to ${op} VM ${vmid}: ${err.message}`,
          { cause: err },
        );
      }
      throw err;
    }
    obs.vmid = vmid;
    obs.node = spec.node;
    obs.source = sourceKey(spec);
    // A create sends the password; a clone has the template's (if any): sent after it.
    if (op === 'create' && spec.cloudInit?.passwordFile !== undefined)
      obs.passwordFile = spec.cloudInit.passwordFile;
    else delete obs.passwordFile;
    delete obs.phase;
    delete obs.state;
    delete obs.ips;
    p.actions.push(`${op === 'clone' ? 'cloning' : 'creating'} VM ${vmid} on ${spec.node}`);
    return taskStarted(p, op, spec.node, upid);
  }

  /** MACs fixed up front: an appliance NIC's comes from the uid (reserved before first boot). */
  private createMacs(p: Pass): (string | undefined)[] {
    return p.spec.nics.map(
      (n, i) => p.obs.macs?.[i] ?? (n.appliance !== undefined ? memberMac(p.obj.uid) : undefined),
    );
  }

  private async withPassword(p: Pass, params: Params): Promise<Params> {
    const file = p.spec.cloudInit?.passwordFile;
    if (file === undefined) return params;
    const read = this.sh.deps.readSecret ?? readSecretFile;
    return { ...params, cipassword: (await read(file, { private: true })).trim() };
  }
}

/** `POST /nodes/{node}/qemu` parameters (no secrets): the whole desired config, image imported. */
export function createParams(
  p: Pass,
  vmid: number,
  bridges: string[],
  macs: (string | undefined)[],
  image: string,
): Params {
  const { spec } = p;
  const pl = planConfig({ spec, uid: p.obj.uid, bridges, macs }, {});
  const params: Params = { vmid, ostype: 'l26', ...pl.set };
  const first = spec.disks[0];
  if (first) {
    params[first.key] = newDiskString(first, image);
    params['boot'] = `order=${first.key}`;
  }
  if (spec.disks.some((d) => d.key.startsWith('scsi'))) params['scsihw'] = 'virtio-scsi-single';
  return params;
}
