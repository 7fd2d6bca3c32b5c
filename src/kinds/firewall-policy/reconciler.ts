/**
 * FirewallPolicy reconciler: one pass per policy (groupKey = name).
 *
 * `plan` reads the firewall (read-world.ts: cluster options, groups, IP sets, aliases, the rules and
 * options of the hosts and selected guests, the guests' NICs) and plans (plan.ts) — reads only.
 * `apply` carries out what the runtime admitted (apply.ts), records the spec hash it converged to
 * (later differences are drift) and the rule lists it wrote to, and reports `NotEnforced` when the
 * cluster switch, a guest's switch or a NIC's `firewall=1` is missing (Ready all the same: the
 * rules are in place; `enforce: true` turns the switches on, never the NIC, which is the
 * AppContainer's). Guests whose container does not exist yet are waited for.
 * `finalize` removes this policy's rules everywhere, then its groups, IP sets and aliases.
 */
import type {
  AdmittedPlan,
  ObjectOutcome,
  ObjectPlan,
  PlanContext,
  ReconcileContext,
  Reconciler,
  StoredObject,
} from '../../core/kind.js';
import { eachObject } from '../../core/each-object.js';
import type { PveClient } from '../../pve/types.js';
import { applyPolicy } from './apply.js';
import { desiredWorld } from './desired.js';
import { finalizePolicy } from './finalize.js';
import { planPolicy, readFwObserved, type FwObserved, type FwPlanState } from './plan.js';
import { readFirewallWorld, type GuestRef, type GuestType } from './read-world.js';
import type { FirewallPolicySpec } from './spec.js';

export interface FirewallPolicyDeps {
  pve: PveClient;
  /** Re-check interval while a selected container does not exist yet. @default 30000 */
  waitRequeueMs?: number;
}

type Obj = StoredObject<FirewallPolicySpec>;

/** The nodes and guests a path list names (`/nodes/pve/lxc/105/firewall/rules`, `…/qemu/…`). */
export function scopeOfPaths(paths: Iterable<string>): { nodes: string[]; guests: GuestRef[] } {
  const nodes: string[] = [];
  const guests: GuestRef[] = [];
  for (const p of paths) {
    const g = /^\/nodes\/([^/]+)\/(lxc|qemu)\/(\d+)\/firewall\/rules$/.exec(p);
    if (g) guests.push({ node: g[1]!, type: g[2] as GuestType, vmid: Number(g[3]) });
    const h = /^\/nodes\/([^/]+)\/firewall\/rules$/.exec(p);
    if (h) nodes.push(h[1]!);
  }
  return { nodes, guests };
}

export function createFirewallPolicyReconciler(
  deps: FirewallPolicyDeps,
): Reconciler<FirewallPolicySpec> {
  const { pve } = deps;
  const waitMs = deps.waitRequeueMs ?? 30_000;
  const observedOf = (ctx: PlanContext, o: Obj): FwObserved =>
    readFwObserved(ctx.observedOf?.(o.name) ?? ctx.observed);

  async function planOne(ctx: PlanContext, o: Obj): Promise<ObjectPlan<FwPlanState>> {
    const desired = desiredWorld(o, ctx);
    const observed = observedOf(ctx, o);
    const old = scopeOfPaths(Object.values(observed.levels ?? {}));
    const world = await readFirewallWorld(pve, {
      nodes: [...desired.hosts.map((h) => h.node), ...old.nodes],
      guests: [
        ...desired.guests.map((g) => ({ node: g.node, vmid: g.vmid, type: g.type })),
        ...old.guests,
      ],
    });
    const { changes, state } = planPolicy({
      policy: o.name,
      authoritative: o.spec.mode === 'authoritative',
      enforce: o.spec.enforce === true,
      world,
      desired,
      observed,
      specHash: o.specHash,
    });
    const plan: ObjectPlan<FwPlanState> = { changes, state };
    if (desired.waitingFor.length > 0)
      plan.waiting = `waiting for guest ${desired.waitingFor.join(', ')} to exist`;
    return plan;
  }

  async function applyOne(
    ctx: ReconcileContext,
    o: Obj,
    plan: AdmittedPlan<FwPlanState>,
    state: FwPlanState,
  ): Promise<ObjectOutcome> {
    const r = await applyPolicy(pve, o.name, state, plan);
    const prev = observedOf(ctx, o);
    const levels = { ...(prev.levels ?? {}) };
    for (const t of r.touched) {
      if (t.empty && !t.label.startsWith('groups.')) delete levels[t.label];
      else if (!t.empty) levels[t.label] = t.path;
      else delete levels[t.label];
    }
    // A container destroyed took its rules with it: nothing left to find there.
    for (const [label, path] of Object.entries(levels)) {
      const gone = scopeOfPaths([path]).guests[0];
      if (gone && !state.world.guests[String(gone.vmid)]) delete levels[label];
    }
    const observed: FwObserved = { appliedSpecHash: o.specHash, levels };
    const missing = state.notEnforced;
    const outcome: ObjectOutcome = {
      observed: observed as Record<string, unknown>,
      conditions: [
        missing.length > 0
          ? {
              type: 'NotEnforced',
              status: 'True',
              reason: 'FilteringOff',
              message: `rules are in place but do not filter: ${missing.join('; ')}`,
            }
          : { type: 'NotEnforced', status: 'False', reason: 'Enforced', message: '' },
      ],
    };
    if (r.calls.length > 0) outcome.actions = r.calls;
    const events = r.warnings.map((message) => ({
      type: 'Warning' as const,
      reason: 'NotRemoved',
      message,
    }));
    for (const message of state.desired.conflicts)
      events.push({ type: 'Warning', reason: 'PolicyConflict', message });
    if (r.races > 0)
      events.push({
        type: 'Warning',
        reason: 'ConcurrentEdit',
        message: `rules changed by someone else during the pass (${r.races} re-plan(s))`,
      });
    if (events.length > 0) outcome.events = events;
    if (plan.waiting) {
      outcome.notReady = { reason: 'WaitingForGuest', message: plan.waiting };
      outcome.requeueAfterMs = waitMs;
    }
    return outcome;
  }

  return {
    groupKey: (o) => o.name,
    plan: (ctx, objs) => eachObject(objs, (o) => planOne(ctx, o)),
    apply: (ctx: ReconcileContext, objs: Obj[], plans: ReadonlyMap<string, AdmittedPlan>) =>
      eachObject(objs, (o) => {
        const plan = plans.get(o.name) as AdmittedPlan<FwPlanState> | undefined;
        return plan?.state && applyOne(ctx, o, plan, plan.state);
      }),
    finalize: (ctx, objs) =>
      eachObject(objs, async (o) => {
        const r = await finalizePolicy(
          pve,
          o,
          desiredWorld(o, ctx),
          readFwObserved(ctx.observedOf?.(o.name) ?? ctx.observed),
        );
        for (const message of r.warnings)
          ctx.recordEvent?.(o.name, { type: 'Warning', reason: 'NotRemoved', message });
        return 'done' as const;
      }),
  };
}
