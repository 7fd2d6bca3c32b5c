/**
 * What pxr keeps in status about a container between passes (it survives restarts): where it is,
 * its MAC and IP, the task in flight, and the spec hash it last converged to. Nothing time-varying
 * goes in here, so a converged pass writes the same record and the store writes nothing.
 */
import { backoffDelay } from '../../core/backoff.js';

export type TaskOp = 'create' | 'start' | 'shutdown' | 'stop' | 'reboot' | 'resize' | 'destroy';

export interface InFlightTask {
  upid: string;
  node: string;
  op: TaskOp;
}

export interface CtObserved {
  vmid?: number;
  node?: string;
  /** MAC of net0, kept stable: sent back in every net0 update. */
  mac?: string;
  /** IPv4 of eth0 (static from the spec, dhcp from `/interfaces`), with prefix. */
  ip?: string;
  /**
   * The segment a DHCP lease was read on (`bridge#tag#mac` of net0): when net0 moves, the lease is
   * read again instead of showing the old network's address.
   */
  ipOn?: string;
  /** Power state seen in the last pass. */
  state?: string;
  /** Template the container was created from; absent when adopted (unknown). */
  template?: string;
  /** specHash of the last pass that converged: differences seen afterwards are drift. */
  appliedSpecHash?: string;
  task?: InFlightTask;
  /** `reserved`: the VMID was allocated and recorded but the create call may not have happened. */
  phase?: 'reserved';
  /** Consecutive failed tasks (backoff of create retries). */
  failures?: number;
  adopted?: boolean;
  /** Members of an appliance LAN: `<hostname>.<domain>`, and the URLs of their expose entries. */
  dnsName?: string;
  urls?: string[];
  /** Fields Proxmox cannot read back (adopted containers): never reported as drift. */
  unknownFields?: string[];
}

export function readObserved(raw: Record<string, unknown>): CtObserved {
  const o = raw as CtObserved;
  const out: CtObserved = {};
  if (typeof o.vmid === 'number') out.vmid = o.vmid;
  if (typeof o.node === 'string') out.node = o.node;
  if (typeof o.mac === 'string') out.mac = o.mac;
  if (typeof o.ip === 'string') out.ip = o.ip;
  if (typeof o.ipOn === 'string') out.ipOn = o.ipOn;
  if (typeof o.state === 'string') out.state = o.state;
  if (typeof o.template === 'string') out.template = o.template;
  if (typeof o.appliedSpecHash === 'string') out.appliedSpecHash = o.appliedSpecHash;
  if (o.task && typeof o.task.upid === 'string') out.task = { ...o.task };
  if (o.phase === 'reserved') out.phase = 'reserved';
  if (typeof o.failures === 'number') out.failures = o.failures;
  if (o.adopted === true) out.adopted = true;
  if (typeof o.dnsName === 'string') out.dnsName = o.dnsName;
  if (Array.isArray(o.urls)) out.urls = o.urls.filter((u): u is string => typeof u === 'string');
  if (Array.isArray(o.unknownFields)) out.unknownFields = [...o.unknownFields];
  return out;
}

/** A copy without undefined keys (stable JSON: equal records compare equal in the store). */
export function cleanObserved(o: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out;
}

/** Retry delay after `failures` failed tasks (750 ms doubling, capped at 15 min; no jitter). */
export function taskRetryDelay(failures: number): number {
  return backoffDelay(Math.max(0, failures - 1), { jitter: 0 });
}

export const UNKNOWN_WHEN_ADOPTED = ['template', 'auth.password', 'auth.sshPublicKeys'];
