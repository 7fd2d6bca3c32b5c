/**
 * What one pass over one container carries around (dependencies, the object, its resolved spec and
 * observed facts), plus the small helpers every step uses: outcomes, task polling, dependency checks.
 */
import type { Clock } from '../../core/clock.js';
import { PxrError } from '../../core/errors.js';
import type {
  ObjectOutcome,
  PlanContext,
  ReconcileContext,
  StoredObject,
} from '../../core/kind.js';
import type { ResourceRef } from '../../core/ownership.js';
import { isPveApiError } from '../../pve/errors.js';
import { isTaskSuccess } from '../../pve/upid.js';
import type { PveClient } from '../../pve/types.js';
import type { ApplianceLan } from './appliance-join.js';
import type { SecretReader, VmidAllocator } from './create.js';
import type { ObservationCache } from './observe-cache.js';
import { cleanObserved, type CtObserved, type InFlightTask, type TaskOp } from './observed.js';
import type { ResolvedSpec } from './spec.js';

export interface AppContainerDeps {
  pve: PveClient;
  clock: Clock;
  readSecret?: SecretReader;
  /** Delay between polls of a task in flight. @default 2000 */
  taskPollMs?: number;
  /** Lifetime of the shared `/cluster/resources` read. @default 15000 */
  resourcesTtlMs?: number;
  /** Requeue while a create-only change waits for a human. @default 300000 */
  blockedRequeueMs?: number;
  /** A DHCP container without an address is asked again (`/interfaces`) after this long. @default 600000 */
  ipRetryMs?: number;
  /**
   * The observation cache and VMID allocator, when shared with another kind running containers (one
   * `/cluster/resources` read per sweep and one allocator for everyone). Default: its own.
   */
  engine?: LxcEngine;
}

/** What every kind running containers shares. */
export interface LxcEngine {
  cache: ObservationCache;
  allocator: VmidAllocator;
}

export interface Shared {
  deps: AppContainerDeps;
  cache: ObservationCache;
  allocator: VmidAllocator;
  pollMs: number;
  /** vmid -> when `/interfaces` last answered without an address (kept in memory, not in status). */
  ipProbes: Map<number, number>;
}

/** An ownership change decided while planning, carried out by apply (plan never claims). */
export interface OwnershipOp {
  op: 'claim' | 'release';
  ref: ResourceRef;
  /** A claim taking over a container (`spec.adopt`): a conflict is terminal. */
  adopting?: boolean;
}

export interface Pass {
  sh: Shared;
  /** Read-only while planning; the apply (or finalize) context afterwards. */
  ctx: PlanContext;
  /** The writing context: set by apply and finalize, absent while planning. */
  rc?: ReconcileContext;
  /** Claims and releases decided while planning, carried out first thing in apply. */
  deferred: OwnershipOp[];
  obj: StoredObject<unknown>;
  spec: ResolvedSpec;
  /** The appliance whose LAN a member joins (resolved from its spec each pass). */
  lan?: ApplianceLan;
  obs: CtObserved;
  actions: string[];
  events: NonNullable<ObjectOutcome['events']>;
}

/** The outcome of a pass: its observed facts, actions and events (any guest kind's pass). */
export function outcome(
  p: Pick<Pass, 'actions' | 'events'> & { obs: object },
  extra: ObjectOutcome = {},
): ObjectOutcome {
  const o: ObjectOutcome = { observed: cleanObserved(p.obs), ...extra };
  if (p.actions.length > 0) o.actions = [...p.actions, ...(extra.actions ?? [])];
  if (p.events.length > 0) o.events = [...p.events, ...(extra.events ?? [])];
  return o;
}

/** Records a task just started and asks to come back when it may be done. */
export function taskStarted(p: Pass, op: TaskOp, node: string, upid: string): ObjectOutcome {
  p.obs.task = { upid, node, op };
  if (p.obs.vmid !== undefined) p.sh.cache.touch(p.obs.vmid);
  return outcome(p, { requeueAfterMs: p.sh.pollMs, notReady: taskProgress(op, p.obs.vmid) });
}

/** Not Ready while a task runs; the same text on every poll, so polling writes no status. */
export function taskProgress(
  op: TaskOp,
  vmid: number | undefined,
): { reason: string; message: string } {
  return { reason: 'Progressing', message: `${op} of CT ${vmid ?? '?'} in progress` };
}

export type TaskResult = { state: 'running' } | { state: 'ok' } | { state: 'failed'; exit: string };

/** One status poll of a task in flight (never blocks a worker). A vanished task counts as failed. */
export async function pollTask(
  pve: PveClient,
  t: Pick<InFlightTask, 'node' | 'upid'>,
): Promise<TaskResult> {
  try {
    const st = await pve.taskStatus(t.node, t.upid);
    if (st.status === 'running') return { state: 'running' };
    const exit = st.exitstatus ?? 'unexpected status';
    return isTaskSuccess(exit) ? { state: 'ok' } : { state: 'failed', exit };
  } catch (err) {
    if (isPveApiError(err, 'NOT_FOUND') || isPveApiError(err, 'PARAM')) {
      return { state: 'failed', exit: `task ${t.upid} is unknown to Proxmox` };
    }
    throw err;
  }
}

export type BridgeCheck = { ok: true } | { ok: false; message: string };

/**
 * Whether every NIC's bridge may be used now: a Bridge object managing it (same node) must be Ready;
 * a bridge pxr does not manage must exist; a NIC joining an appliance waits for the appliance.
 */
export async function checkBridge(p: Pass): Promise<BridgeCheck> {
  const s = p.spec;
  if (s.nics.length === 0)
    return { ok: false, message: 'the spec lists no NIC (network or networks)' };
  for (const nic of s.nics) {
    const check =
      nic.appliance !== undefined
        ? checkAppliance(p, nic.appliance)
        : nic.bridge === undefined
          ? { ok: false as const, message: 'a NIC names no bridge' }
          : await checkOneBridge(p, nic.bridge);
    if (!check.ok) return check;
  }
  return { ok: true };
}

/** A member waits for its Appliance (same node) to be Ready; its bridge is the appliance's LAN. */
function checkAppliance(p: Pass, name: string): BridgeCheck {
  const lan = p.lan;
  if (!lan)
    return { ok: false, message: `waiting for Appliance/${name}: no such Appliance object` };
  if (lan.node !== p.spec.node)
    return {
      ok: false,
      message: `Appliance/${name} runs on node ${lan.node}: a member must run on the same node (spec.node is ${p.spec.node})`,
    };
  if (!p.ctx.getStatus({ kind: 'Appliance', name })?.ready)
    return { ok: false, message: `waiting for Appliance/${name} to be Ready` };
  return { ok: true };
}

function checkOneBridge(p: Pass, bridge: string): Promise<BridgeCheck> {
  return bridgeReady(p.ctx, p.sh.cache, p.spec.node, bridge);
}

/**
 * Whether a guest on `node` may use `bridge` now: a Bridge object managing it must be Ready; a bridge
 * pxr does not manage must exist (every guest kind asks this).
 */
export async function bridgeReady(
  ctx: PlanContext,
  cache: ObservationCache,
  node: string,
  bridge: string,
): Promise<BridgeCheck> {
  // An SDN VNet is the bridge of that name on every node of its zone, once applied.
  const vnet = ctx.get({ kind: 'VNet', name: bridge });
  if (vnet && !vnet.deletionRequested) {
    if (ctx.getStatus({ kind: 'VNet', name: bridge })?.ready) return { ok: true };
    return { ok: false, message: `waiting for VNet/${bridge} to be Ready` };
  }
  const managed = ctx
    .list('Bridge')
    .find((b) => b.spec['node'] === node && b.spec['iface'] === bridge && !b.deletionRequested);
  if (managed) {
    const st = ctx.getStatus({ kind: 'Bridge', name: managed.name });
    if (st?.ready) return { ok: true };
    return {
      ok: false,
      message: `waiting for Bridge/${managed.name} (${bridge} on ${node}) to be Ready`,
    };
  }
  const bridges = await cache.bridgesOf(node);
  if (bridges.has(bridge)) return { ok: true };
  return {
    ok: false,
    message: `bridge ${bridge} does not exist on node ${node} and no Bridge object manages it`,
  };
}

/** `CT 100 already exists on node 'pve'` / `VM 100 already exists...` (500 on create). */
export function vmidTakenBy(err: unknown): { type: 'CT' | 'VM'; node: string } | undefined {
  if (!isPveApiError(err)) return undefined;
  const m = /^(CT|VM) \d+ already exists on node '([^']+)'/.exec(err.pveMessage);
  return m?.[1] && m[2] ? { type: m[1] as 'CT' | 'VM', node: m[2] } : undefined;
}

/** A power request that Proxmox refused because the container is already in that state. */
export function alreadyInState(err: unknown): boolean {
  return isPveApiError(err) && /already running|not running/.test(err.pveMessage);
}

export class TaskFailedError extends PxrError {
  constructor(op: string, vmid: number | undefined, exit: string) {
    super('TASK_FAILED', `${op} of CT ${vmid ?? '?'} failed: ${exit}`, { context: { op, vmid } });
    this.name = 'TaskFailedError';
  }
}
