/**
 * What pxr keeps in status about a VM between passes (it survives restarts) and what one pass over one
 * VM carries around. Nothing time-varying goes into the observed record, so a converged pass writes
 * the same record and the store writes nothing.
 */
import type { Clock } from '../../core/clock.js';
import type {
  ObjectOutcome,
  PlanContext,
  ReconcileContext,
  StoredObject,
} from '../../core/kind.js';
import { outcome, type OwnershipOp } from '../app-container/pass.js';

export { outcome };
import type { PveClient } from '../../pve/types.js';
import type { SecretReader, VmidAllocator } from '../app-container/create.js';
import type { ObservationCache } from '../app-container/observe-cache.js';
import type { ApplianceLan } from '../app-container/appliance-join.js';
import type { ResolvedVm } from './spec.js';

export type VmTaskOp =
  'download' | 'create' | 'clone' | 'start' | 'shutdown' | 'stop' | 'reboot' | 'resize' | 'destroy';

export interface VmTask {
  upid: string;
  node: string;
  op: VmTaskOp;
}

export interface VmObserved {
  vmid?: number;
  node?: string;
  /** MAC per NIC index, kept stable: sent back in every netN update. */
  macs?: string[];
  /** `net<i>` beyond the spec's list that pxr did not make: left in place, reported. */
  unmanagedNics?: string[];
  /** IPv4 addresses the guest agent reported (with prefix), NIC by NIC. */
  ips?: string[];
  state?: string;
  /** What the VM was created from (`image:<volid>` / `clone:<template>`): a change is a replacement. */
  source?: string;
  /** The password file last sent as `cipassword` (the password cannot be read back). */
  passwordFile?: string;
  appliedSpecHash?: string;
  task?: VmTask;
  /** `reserved`: the VMID was allocated and claimed but the create call may not have happened. */
  phase?: 'reserved';
  failures?: number;
  /** Members of an appliance LAN: `<name>.<domain>`, and the URLs of their expose entries. */
  dnsName?: string;
  urls?: string[];
}

export function readVmObserved(raw: Record<string, unknown>): VmObserved {
  const o = raw as VmObserved;
  const out: VmObserved = {};
  const strs = (v: unknown): string[] | undefined =>
    Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined;
  if (typeof o.vmid === 'number') out.vmid = o.vmid;
  if (typeof o.node === 'string') out.node = o.node;
  const macs = strs(o.macs);
  if (macs) out.macs = macs;
  const unmanaged = strs(o.unmanagedNics);
  if (unmanaged) out.unmanagedNics = unmanaged;
  const ips = strs(o.ips);
  if (ips) out.ips = ips;
  if (typeof o.state === 'string') out.state = o.state;
  if (typeof o.source === 'string') out.source = o.source;
  if (typeof o.passwordFile === 'string') out.passwordFile = o.passwordFile;
  if (typeof o.appliedSpecHash === 'string') out.appliedSpecHash = o.appliedSpecHash;
  if (o.task && typeof o.task.upid === 'string') out.task = { ...o.task };
  if (o.phase === 'reserved') out.phase = 'reserved';
  if (typeof o.failures === 'number') out.failures = o.failures;
  if (typeof o.dnsName === 'string') out.dnsName = o.dnsName;
  const urls = strs(o.urls);
  if (urls) out.urls = urls;
  return out;
}

export interface VirtualMachineDeps {
  pve: PveClient;
  clock: Clock;
  readSecret?: SecretReader;
  /** Delay between polls of a task in flight. @default 2000 */
  taskPollMs?: number;
  /** Lifetime of the shared `/cluster/resources` read. @default 15000 */
  resourcesTtlMs?: number;
  /** Requeue while a create-only change waits for a human. @default 300000 */
  blockedRequeueMs?: number;
  /** A running VM whose agent gave no address yet is asked again after this long. @default 20000 */
  agentRetryMs?: number;
  /** The shared container/VM observation cache and VMID allocator (one per composition root). */
  engine?: { cache: ObservationCache; allocator: VmidAllocator };
}

export interface VmShared {
  deps: VirtualMachineDeps;
  cache: ObservationCache;
  allocator: VmidAllocator;
  pollMs: number;
  /** vmid -> when the agent was last asked without an answer (memory only, not status). */
  agentProbes: Map<number, number>;
}

export interface Pass {
  sh: VmShared;
  ctx: PlanContext;
  rc?: ReconcileContext;
  deferred: OwnershipOp[];
  obj: StoredObject<unknown>;
  spec: ResolvedVm;
  lan?: ApplianceLan;
  obs: VmObserved;
  actions: string[];
  events: NonNullable<ObjectOutcome['events']>;
}

/** Not Ready while a task runs; the same text on every poll, so polling writes no status. */
export function vmTaskProgress(
  op: VmTaskOp,
  vmid: number | undefined,
): { reason: string; message: string } {
  return { reason: 'Progressing', message: `${op} of VM ${vmid ?? '?'} in progress` };
}

export function taskStarted(p: Pass, op: VmTaskOp, node: string, upid: string): ObjectOutcome {
  p.obs.task = { upid, node, op };
  if (p.obs.vmid !== undefined) p.sh.cache.touch(p.obs.vmid);
  return outcome(p, { requeueAfterMs: p.sh.pollMs, notReady: vmTaskProgress(op, p.obs.vmid) });
}
