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
  /** MACs of the other NICs pxr manages (`net1`…), kept stable the same way. */
  nicMacs?: Record<string, string>;
  /** IPv4 of eth0 (static from the spec, dhcp from `/interfaces`), with prefix. */
  ip?: string;
  /** With more than one NIC: every NIC's address (`net1: 172.16.100.10/24`), eth0's included. */
  ips?: Record<string, string>;
  /**
   * The segments DHCP leases were read on (`bridge#tag#mac` of net0, then `|net1=…` of the other
   * DHCP NICs): when a NIC moves, its lease is read again instead of showing the old network's.
   */
  ipOn?: string;
  /** NICs on the container that the spec does not list (`net2`), reported once when they appear. */
  unmanagedNics?: string[];
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
  if (isStrings(o.nicMacs)) out.nicMacs = { ...o.nicMacs };
  if (typeof o.ip === 'string') out.ip = o.ip;
  if (isStrings(o.ips)) out.ips = { ...o.ips };
  if (Array.isArray(o.unmanagedNics))
    out.unmanagedNics = o.unmanagedNics.filter((n): n is string => typeof n === 'string');
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

function isStrings(v: unknown): v is Record<string, string> {
  return (
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    Object.values(v).every((x) => typeof x === 'string')
  );
}

/** The MAC recorded for NIC `index` in a container's observed status (raw or read). */
export function recordedMac(observed: object, index: number): string | undefined {
  const o = observed as CtObserved;
  const mac = index === 0 ? o.mac : isStrings(o.nicMacs) ? o.nicMacs[`net${index}`] : undefined;
  return typeof mac === 'string' ? mac : undefined;
}

/** Records (or forgets, with undefined) the MAC of NIC `index`. */
export function setRecordedMac(o: CtObserved, index: number, mac: string | undefined): void {
  if (index === 0) {
    if (mac === undefined) delete o.mac;
    else o.mac = mac;
    return;
  }
  const macs = { ...(o.nicMacs ?? {}) };
  if (mac === undefined) delete macs[`net${index}`];
  else macs[`net${index}`] = mac;
  if (Object.keys(macs).length > 0) o.nicMacs = macs;
  else delete o.nicMacs;
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
