/**
 * What every guest kind (AppContainer, VirtualMachine) plans and reports the same way once the
 * config is compared: the reboot for pending changes, the power state, the config PUT's parameters,
 * and the PendingRestart / RequiresReplace conditions. Pure.
 */
import type { Condition, PlannedChange } from '../../core/kind.js';
import type { Params } from '../../pve/types.js';
import type { ConfigPlan } from './diff.js';
import { alreadyInState } from './pass.js';

type Cond = Omit<Condition, 'lastTransitionTime'>;

export interface PowerSpec {
  state: 'running' | 'stopped';
  restartPolicy: 'never' | 'onChange';
}

/** Whether a power state read from the shared list is worth asking again before acting on it. */
export function wrongState(s: PowerSpec, st: string | undefined): boolean {
  return s.state === 'running' ? st !== 'running' : st === 'running';
}

/**
 * The `pending` change (a reboot under `restartPolicy: onChange`) and the `state` change (start or
 * shutdown); `base` is the guest's API path (`/nodes/pve/qemu/100`).
 */
export function powerChanges(
  s: PowerSpec,
  o: { status: string | undefined; pending: readonly string[]; isDrift: boolean; base: string },
): PlannedChange[] {
  const out: PlannedChange[] = [];
  const { status, base } = o;
  if (status === 'running' && o.pending.length > 0 && s.restartPolicy === 'onChange') {
    if (s.state === 'running')
      out.push({
        field: 'pending',
        desired: [],
        actual: [...o.pending],
        calls: [`POST ${base}/status/reboot`],
        drift: false,
      });
  }
  if (s.state === 'running' && status !== 'running') {
    out.push({
      field: 'state',
      desired: 'running',
      actual: status,
      calls: [`POST ${base}/status/start`],
      drift: o.isDrift,
    });
  } else if (s.state === 'stopped' && status === 'running') {
    out.push({
      field: 'state',
      desired: 'stopped',
      actual: status,
      calls: [`POST ${base}/status/shutdown`],
      drift: o.isDrift,
    });
  }
  return out;
}

/** The one config PUT: the set keys, `delete=` for the removed ones, the digest of the read. */
export function updateParams(pl: ConfigPlan, digest: string): Params {
  const params: Params = { ...pl.set };
  if (pl.delete.length > 0) params['delete'] = pl.delete.join(',');
  if (digest) params['digest'] = digest;
  return params;
}

/** PendingRestart: True with the keys waiting for a restart of `what` (`VM 100`), else False. */
export function pendingCondition(pending: readonly string[], what: string): Cond {
  return pending.length > 0
    ? {
        type: 'PendingRestart',
        status: 'True',
        reason: 'PendingChanges',
        message: `changes wait for a restart of ${what}: ${pending.join(', ')}`,
      }
    : { type: 'PendingRestart', status: 'False', reason: 'NoPendingChanges', message: '' };
}

/** RequiresReplace: True with `message` (create-only fields changed), else False. */
export function replaceCondition(message: string | undefined): Cond {
  return message !== undefined
    ? { type: 'RequiresReplace', status: 'True', reason: 'CreateOnlyFieldChanged', message }
    : { type: 'RequiresReplace', status: 'False', reason: 'NoReplaceNeeded', message: '' };
}

/** The guest's power call (`POST .../status/<action>`), returning the task's UPID. */
export type PowerCall = (action: 'start' | 'shutdown', params?: Params) => Promise<string>;

/**
 * Starts or shuts down (clean, forced to a stop after `timeoutS`) toward `s.state`: the task
 * started, or the state Proxmox says the guest is already in (`already running`, `not running`).
 */
export async function powerStep(
  s: PowerSpec,
  timeoutS: number,
  call: PowerCall,
): Promise<{ op: 'start' | 'shutdown'; upid: string } | { status: string }> {
  const op = s.state === 'running' ? 'start' : 'shutdown';
  try {
    const upid = await call(op, op === 'start' ? undefined : { timeout: timeoutS, forceStop: 1 });
    return { op, upid };
  } catch (err) {
    if (!alreadyInState(err)) throw err;
    return { status: s.state };
  }
}
