/**
 * The Appliance reconciler. One object per group (`groupKey` = name). `plan` (reads only):
 *  1. plans the appliance container with the shared container machinery (AppContainerReconciler's
 *     typed entry, given the appliance's mapping: net0 = WAN, net1 = LAN, always running) — create,
 *     ownership marker, config, power state;
 *  2. when the container runs: builds the desired service model from the spec and every
 *     AppContainer with a NIC whose `appliance` names it (host name, MAC, reserved address, expose
 *     entries), observes dnsmasq, nftables and Caddy through the appliance's transport and plans each
 *     difference (field `dnsmasq.hosts/web`, `caddy.routes[...]`...; alias `services.<name>`).
 * `apply` carries out the container's admitted changes, then applies each service whose differences
 * were all admitted (check → apply → read back), probes Caddy's routes (a route that does not answer
 * is a Warning event) and reads the lease file. Differences found once the same model had converged
 * are drift; the runtime decides what is admitted.
 * Status: the container's facts plus `servicesHash` (the model last converged), `members` (what was
 * rendered per member: members compare it with their own to ask for a re-render) and `leases`.
 * Members changing queue the appliance through its watch on AppContainer (registry); the periodic
 * resync covers the rest.
 * Conditions: DnsmasqReady, NftablesReady, CaddyReady, plus the container's PendingRestart and
 * RequiresReplace. Deletion (finalize): the container's finalizer (shutdown, destroy), transport closed.
 */
import { eachObject } from '../../core/each-object.js';
import { createHash } from 'node:crypto';
import type { Clock } from '../../core/clock.js';
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
import type { DnsmasqLayout } from '../../appliance/render/dnsmasq.js';
import type { ApplianceService, ServiceName } from '../../appliance/services/types.js';
import type { Transport } from '../../appliance/transport/types.js';
import { SimulatedTransport } from '../../appliance/transport/simulated.js';
import type { PveClient } from '../../pve/types.js';
import { lxcMachine, type LxcMachine } from '../app-container/engine.js';
import type { SecretReader } from '../app-container/create.js';
import type { LxcEngine } from '../app-container/pass.js';
import { buildModel, selectMembers } from './members.js';
import {
  buildServices,
  planServices,
  readLeases,
  runServices,
  type ServiceLayouts,
  type ServicePlan,
} from './services.js';
import {
  applianceCtSpec,
  resolveAppliance,
  type ApplianceSpec,
  type ResolvedAppliance,
} from './spec.js';
import type { TransportFactory } from './transport-for.js';

export interface ApplianceDeps {
  pve: PveClient;
  clock: Clock;
  /** Builds (or hands back) the transport into one appliance. */
  transportFor: TransportFactory;
  readSecret?: SecretReader;
  /** Delay between polls of a container task. @default 2000 */
  taskPollMs?: number;
  /** @default 15000 */
  resourcesTtlMs?: number;
  /** The container machinery's cache and VMID allocator, shared with the AppContainer kind. */
  engine?: LxcEngine;
  /** Requeue after a service failed in a retryable way (unreachable...). @default 30000 */
  serviceRetryMs?: number;
  /** File and port layout inside the appliance (tests in network namespaces move them). */
  layouts?: ServiceLayouts;
}

type Obj = StoredObject<ApplianceSpec>;

/** Status keys owned by the services part (the container part owns the rest). */
const SERVICE_KEYS = ['servicesHash', 'members', 'leases'] as const;

/** A simulated appliance no simulator container keeps starts empty in every process. */
function startsEmpty(t: Transport): boolean {
  return t instanceof SimulatedTransport && t.startsEmpty;
}

function hashOf(v: unknown): string {
  return createHash('sha1').update(JSON.stringify(v)).digest('hex').slice(0, 16);
}

const SERVICE_CALLS: Record<ServiceName, string> = {
  dnsmasq: 'appliance: write the dnsmasq files, check, restart dnsmasq',
  nftables: 'appliance: nft -c -f, nft -f',
  caddy: 'appliance: POST /load to the Caddy admin API',
};

/** What the services part planned: apply needs all of it and reads nothing again. */
interface ServicesState {
  spec: ResolvedAppliance;
  model: ReturnType<typeof buildModel>;
  servicesHash: string;
  t: Transport;
  services: ApplianceService<unknown>[];
  dnsmasqLayout: DnsmasqLayout;
  plans: Map<ServiceName, ServicePlan>;
}

interface ApplianceState {
  ct: AdmittedPlan['state'];
  /** Fields of the container's changes (the rest are the services'). */
  ctFields: string[];
  kept: Record<string, unknown>;
  services?: ServicesState;
}

function isApplianceState(v: unknown): v is ApplianceState {
  return typeof v === 'object' && v !== null && 'ctFields' in v && 'kept' in v;
}

export class ApplianceReconciler implements Reconciler<ApplianceSpec> {
  /** The appliance's container, through the machinery shared with AppContainer. */
  readonly ct: LxcMachine;
  /** Uids whose in-memory simulated appliance was already set up in this process. */
  private readonly primed = new Set<string>();

  constructor(private readonly deps: ApplianceDeps) {
    this.ct = lxcMachine({
      pve: deps.pve,
      clock: deps.clock,
      ...(deps.readSecret ? { readSecret: deps.readSecret } : {}),
      ...(deps.taskPollMs !== undefined ? { taskPollMs: deps.taskPollMs } : {}),
      ...(deps.resourcesTtlMs !== undefined ? { resourcesTtlMs: deps.resourcesTtlMs } : {}),
      ...(deps.engine ? { engine: deps.engine } : {}),
    });
  }

  groupKey(obj: Obj): string {
    return obj.name;
  }

  async plan(ctx: PlanContext, objs: Obj[]): Promise<Map<string, ObjectPlan | Error>> {
    return eachObject(objs, (obj) => this.planOne(ctx, obj));
  }

  async apply(
    ctx: ReconcileContext,
    objs: Obj[],
    plans: ReadonlyMap<string, AdmittedPlan>,
  ): Promise<Map<string, ObjectOutcome | Error>> {
    return eachObject(objs, (obj) => {
      const plan = plans.get(obj.name);
      return plan && this.applyOne(ctx, obj, plan);
    });
  }

  async finalize(
    ctx: ReconcileContext,
    objs: Obj[],
  ): Promise<Map<string, 'done' | ObjectOutcome | Error>> {
    const out = new Map<string, 'done' | ObjectOutcome | Error>();
    for (const obj of objs) {
      const r = await this.ct
        .finalizeObject(ctx, obj, applianceCtSpec(obj.spec, obj.name))
        .catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))));
      out.set(obj.name, r);
      if (r !== 'done') continue;
      this.primed.delete(obj.uid);
      // Its ssh connection would otherwise stay open (to a destroyed container) until pxr stops.
      await this.deps.transportFor.close?.(obj.uid);
    }
    return out;
  }

  private async planOne(ctx: PlanContext, obj: Obj): Promise<ObjectPlan> {
    const prev = ctx.observedOf?.(obj.name) ?? ctx.observed;
    const kept: Record<string, unknown> = {};
    for (const k of SERVICE_KEYS) if (prev[k] !== undefined) kept[k] = prev[k];

    const ct = await this.ct.planObject(ctx, obj, applianceCtSpec(obj.spec, obj.name));
    if (ct instanceof Error) throw ct;
    const state: ApplianceState = {
      ct: ct.state,
      ctFields: ct.changes.map((c) => c.field),
      kept,
    };
    const plan: ObjectPlan<ApplianceState> = { ...ct, state };
    const step = ct.state?.step;
    const vmid = step?.kind === 'converge' ? step.loc.vmid : undefined;
    // Services are planned once the container runs (and is not about to be replaced).
    if (
      ct.waiting !== undefined ||
      step?.kind !== 'converge' ||
      step.facts.status !== 'running' ||
      vmid === undefined ||
      (step.facts.replace.length > 0 && ct.state?.pass.spec.replacePolicy === 'recreate')
    )
      return plan;

    const spec = resolveAppliance(obj.spec);
    const guests = [...ctx.list('AppContainer'), ...ctx.list('VirtualMachine')];
    const members = selectMembers(obj.name, guests).map((m) => ({
      obj: m,
      status: ctx.getStatus({ kind: m.kind, name: m.name }),
    }));
    const rendered = kept['members'];
    const model = buildModel(
      obj,
      spec,
      members,
      rendered !== null && typeof rendered === 'object'
        ? (rendered as Record<string, unknown>)
        : {},
    );
    const servicesHash = hashOf(model.desired);
    const t = await this.deps.transportFor({ name: obj.name, uid: obj.uid, vmid, spec });
    const { services, dnsmasqLayout } = buildServices(
      t,
      this.deps.clock,
      spec.proxy.adminListen,
      this.deps.layouts,
    );
    const plans = await planServices(services, model.desired);
    // An in-memory simulated appliance starts empty in every process: its first set-up is not drift.
    // One kept in the simulator's container is read like a real one.
    const fresh = startsEmpty(t) && !this.primed.has(obj.uid);
    const isDrift = !fresh && kept['servicesHash'] === servicesHash;
    const changes: PlannedChange[] = [...ct.changes];
    for (const [name, sp] of plans) {
      for (const d of sp.drift) {
        changes.push({
          field: d.field,
          desired: d.desired ?? null,
          actual: d.actual ?? null,
          calls: [SERVICE_CALLS[name]],
          aliases: [`services.${name}`],
          drift: isDrift,
        });
      }
    }
    state.services = { spec, model, servicesHash, t, services, dnsmasqLayout, plans };
    return { ...plan, changes };
  }

  private async applyOne(
    ctx: ReconcileContext,
    obj: Obj,
    plan: AdmittedPlan,
  ): Promise<ObjectOutcome> {
    if (!isApplianceState(plan.state)) throw new Error('the plan carries no appliance state');
    const st = plan.state;
    const ctFields = new Set(st.ctFields);
    const mine = (c: PlannedChange): boolean => ctFields.has(c.field);
    const r = await this.ct.applyObject(ctx, {
      ...plan,
      changes: plan.changes.filter(mine),
      held: plan.held.filter(mine),
      state: st.ct,
    });
    const kept = st.kept;
    const ctObserved = r.observed ?? {};
    const sv = st.services;
    if (
      !sv ||
      r.notReady ||
      ctObserved['state'] !== 'running' ||
      typeof ctObserved['vmid'] !== 'number'
    ) {
      // The container is not there yet: keep what the services part knew.
      return { ...r, observed: { ...ctObserved, ...kept } };
    }

    const admitted = new Set(plan.changes.filter((c) => !mine(c)).map((c) => c.field));
    const svc = await runServices(sv.services, sv.model.desired, sv.plans, (d) =>
      admitted.has(d.field),
    );
    if (startsEmpty(sv.t)) this.primed.add(obj.uid);
    const leases = await readLeases(sv.t, sv.dnsmasqLayout, this.deps.clock.now()).catch(
      () => kept['leases'] as Record<string, string> | undefined,
    );

    const observed: Record<string, unknown> = { ...ctObserved };
    if (svc.converged) observed['servicesHash'] = sv.servicesHash;
    else if (kept['servicesHash'] !== undefined) observed['servicesHash'] = kept['servicesHash'];
    observed['members'] = svc.converged ? sv.model.members : (kept['members'] ?? {});
    if (leases !== undefined) observed['leases'] = leases;

    const o: ObjectOutcome = {
      ...r,
      observed,
      conditions: [...(r.conditions ?? []), ...svc.conditions],
    };
    const actions = [...(r.actions ?? []), ...svc.actions];
    if (actions.length > 0) o.actions = actions;
    const events = [
      ...(r.events ?? []),
      ...sv.model.notes.map((message) => ({
        type: 'Warning' as const,
        reason: 'DefaultSiteMissing',
        message,
      })),
      ...sv.model.conflicts.map((message) => ({
        type: 'Warning' as const,
        reason: 'MemberConflict',
        message,
      })),
      ...svc.events,
    ];
    if (events.length > 0) o.events = events;
    // Admitted drift in a service kept whole for a held difference was not corrected.
    if (svc.held && admitted.size > 0) o.driftCorrected = false;
    if (!svc.converged) {
      const failed = svc.conditions.filter((c) => c.status !== 'True').map((c) => c.type);
      o.notReady = {
        reason: svc.held ? 'Drifted' : 'ServicesNotReady',
        message: `not converged: ${failed.join(', ')}`,
      };
      if (svc.retryable) o.requeueAfterMs = this.deps.serviceRetryMs ?? 30_000;
    }
    return o;
  }
}
