/**
 * The Appliance reconciler. One object per group (`groupKey` = name). Each pass:
 *  1. converges the appliance container with the AppContainer machinery (the same reconciler,
 *     given the appliance's mapping: net0 = WAN, net1 = LAN, always running) — create task, ownership
 *     marker, config drift, power state;
 *  2. once it runs: builds the desired service model from the spec and every AppContainer whose
 *     `network.appliance` names it (host name, MAC, reserved address, expose entries);
 *  3. applies dnsmasq, nftables and Caddy through the appliance's transport (each: observe → diff →
 *     check → apply → read back; under `pxr/drift: alert` only observe and diff), probes Caddy's
 *     routes (a route that does not answer is a Warning event), reads the lease file.
 * Differences found once the same model had converged are drift (recorded; corrected unless `alert` or `ignore`).
 * Status: the container's facts plus `servicesHash` (the model last converged), `members` (what was
 * rendered per member: members compare it with their own to ask for a re-render) and `leases`.
 * Members changing queue the appliance through its watch on AppContainer (registry); the periodic
 * resync covers the rest.
 * Conditions: DnsmasqReady, NftablesReady, CaddyReady, plus the container's PendingRestart and
 * RequiresReplace. Deletion (finalize): the container's finalizer (shutdown, destroy), transport closed.
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../../core/clock.js';
import type { ObjectOutcome, ReconcileContext, Reconciler, StoredObject } from '../../core/kind.js';
import type { PveClient } from '../../pve/types.js';
import { AppContainerReconciler } from '../app-container/reconciler.js';
import type { AppContainerSpec } from '../app-container/spec.js';
import type { SecretReader } from '../app-container/create.js';
import type { LxcEngine } from '../app-container/pass.js';
import { buildModel, selectMembers } from './members.js';
import { buildServices, readLeases, runServices, type ServiceLayouts } from './services.js';
import { applianceCtSpec, resolveAppliance, type ApplianceSpec } from './spec.js';
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

function hashOf(v: unknown): string {
  return createHash('sha1').update(JSON.stringify(v)).digest('hex').slice(0, 16);
}

export class ApplianceReconciler implements Reconciler<ApplianceSpec> {
  readonly ct: AppContainerReconciler;
  /** Uids whose simulated appliance was already set up in this process (its state is in memory). */
  private readonly primed = new Set<string>();

  constructor(private readonly deps: ApplianceDeps) {
    this.ct = new AppContainerReconciler({
      pve: deps.pve,
      clock: deps.clock,
      resolve: (o) => applianceCtSpec(o.spec as unknown as ApplianceSpec, o.name),
      ...(deps.readSecret ? { readSecret: deps.readSecret } : {}),
      ...(deps.taskPollMs !== undefined ? { taskPollMs: deps.taskPollMs } : {}),
      ...(deps.resourcesTtlMs !== undefined ? { resourcesTtlMs: deps.resourcesTtlMs } : {}),
      ...(deps.engine ? { engine: deps.engine } : {}),
    });
  }

  groupKey(obj: Obj): string {
    return obj.name;
  }

  async reconcile(ctx: ReconcileContext, objs: Obj[]): Promise<Map<string, ObjectOutcome | Error>> {
    const out = new Map<string, ObjectOutcome | Error>();
    for (const obj of objs) {
      try {
        out.set(obj.name, await this.reconcileOne(ctx, obj));
      } catch (err) {
        out.set(obj.name, err instanceof Error ? err : new Error(String(err)));
      }
    }
    return out;
  }

  async finalize(
    ctx: ReconcileContext,
    objs: Obj[],
  ): Promise<Map<string, 'done' | ObjectOutcome | Error>> {
    const r = await this.ct.finalize(ctx, objs as unknown as StoredObject<AppContainerSpec>[]);
    for (const obj of objs) {
      if (r.get(obj.name) !== 'done') continue;
      this.primed.delete(obj.uid);
      // Its ssh connection would otherwise stay open (to a destroyed container) until pxr stops.
      await this.deps.transportFor.close?.(obj.uid);
    }
    return r;
  }

  private async reconcileOne(ctx: ReconcileContext, obj: Obj): Promise<ObjectOutcome> {
    const prev = ctx.observedOf?.(obj.name) ?? ctx.observed;
    const kept: Record<string, unknown> = {};
    for (const k of SERVICE_KEYS) if (prev[k] !== undefined) kept[k] = prev[k];

    const asCt = obj as unknown as StoredObject<AppContainerSpec>;
    const r = (await this.ct.reconcile(ctx, [asCt])).get(obj.name);
    if (r === undefined) throw new Error(`no outcome for ${obj.name}`);
    if (r instanceof Error) throw r;
    const ctObserved = r.observed ?? {};
    const vmid = ctObserved['vmid'];
    if (r.notReady || ctObserved['state'] !== 'running' || typeof vmid !== 'number') {
      // The container is not there yet: keep what the services part knew.
      return { ...r, observed: { ...ctObserved, ...kept } };
    }

    const spec = resolveAppliance(obj.spec);
    const cts = ctx.list('AppContainer');
    const members = selectMembers(obj.name, cts).map((m) => ({
      obj: m,
      status: ctx.getStatus({ kind: 'AppContainer', name: m.name }),
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
    // A simulated appliance starts empty in every process: its first set-up is not drift.
    const fresh = spec.access.transport === 'simulated' && !this.primed.has(obj.uid);
    const isDrift = !fresh && kept['servicesHash'] === servicesHash;
    // `alert` and `ignore` both leave a drifted appliance alone (the runtime drops ignored drift).
    const alert = ctx.driftPolicy !== 'correct';
    const svc = await runServices(services, model.desired, isDrift && alert);
    if (spec.access.transport === 'simulated') this.primed.add(obj.uid);
    const leases = await readLeases(t, dnsmasqLayout, this.deps.clock.now()).catch(
      () => kept['leases'] as Record<string, string> | undefined,
    );

    const observed: Record<string, unknown> = { ...ctObserved };
    if (svc.converged) observed['servicesHash'] = servicesHash;
    else if (kept['servicesHash'] !== undefined) observed['servicesHash'] = kept['servicesHash'];
    observed['members'] = svc.converged ? model.members : (kept['members'] ?? {});
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
      ...model.notes.map((message) => ({
        type: 'Warning' as const,
        reason: 'DefaultSiteMissing',
        message,
      })),
      ...model.conflicts.map((message) => ({
        type: 'Warning' as const,
        reason: 'MemberConflict',
        message,
      })),
      ...svc.events,
    ];
    if (events.length > 0) o.events = events;
    if (isDrift && svc.differences.length > 0) {
      o.drift = [...(r.drift ?? []), ...svc.differences];
      o.driftCorrected = !alert;
    }
    if (!svc.converged) {
      const failed = svc.conditions.filter((c) => c.status !== 'True').map((c) => c.type);
      o.notReady = {
        reason: isDrift && alert ? 'Drifted' : 'ServicesNotReady',
        message: `not converged: ${failed.join(', ')}`,
      };
      if (svc.retryable) o.requeueAfterMs = this.deps.serviceRetryMs ?? 30_000;
    }
    return o;
  }
}
