/**
 * Deletion (the manifest was removed), one step per pass: wait for the task in flight, verify the VM
 * is ours (never recorded and unmarked: it never was, nothing is destroyed), then shutdown (with a
 * timeout, forced to a stop after it), a plain stop when the shutdown failed, destroy with purge, and
 * verify it is gone. Refused (terminal) without this object's marker or with protection on.
 */
import { TerminalError } from '../../core/errors.js';
import type { ObjectOutcome } from '../../core/kind.js';
import { qemuDestroy, qemuPower, qemuStatus, type QemuConfigRead } from '../../pve/qemu.js';
import { markerLine, markerOf } from '../app-container/marker.js';
import { claimedCt, releaseAll } from '../app-container/ownership.js';
import { alreadyInState, pollTask } from '../app-container/pass.js';
import { outcome, type Pass, type VmTaskOp } from './pass.js';
import { readOrMissing } from './locate.js';

export type TeardownStep =
  | { kind: 'task'; op: Extract<VmTaskOp, 'shutdown' | 'stop' | 'destroy'>; upid: string }
  | { kind: 'wait'; message: string };

/** Throws `DeletionRefused` (terminal) when pxr must not destroy this VM. */
export function assertVmDestroyable(
  read: QemuConfigRead,
  vmid: number,
  node: string,
  uid: string,
): void {
  const owner = markerOf(read.current['description'] ?? read.effective['description']);
  if (owner !== uid) {
    throw new TerminalError(
      'DeletionRefused',
      `refusing to destroy VM ${vmid} on node ${node}: its description ${owner ? `binds it to another object (pxr:uid=${owner})` : 'carries no pxr marker'}, expected '${markerLine(uid)}'`,
      { context: { vmid, node } },
    );
  }
  const prot = read.current['protection'];
  if (prot === 1 || prot === '1') {
    throw new TerminalError(
      'DeletionRefused',
      `refusing to destroy VM ${vmid} on node ${node}: protection mode is on (set spec.protection: false, or turn it off in Proxmox, to let pxr delete it)`,
      { context: { vmid, node } },
    );
  }
}

/** The next destructive step: shutdown, stop (after a failed shutdown), destroy with purge. */
export async function teardownVm(
  p: Pass,
  node: string,
  vmid: number,
  read: QemuConfigRead,
  status: string,
  shutdownFailed = false,
): Promise<TeardownStep> {
  const { pve } = p.sh.deps;
  assertVmDestroyable(read, vmid, node, p.obj.uid);
  const lock = read.current['lock'];
  if (lock !== undefined && lock !== '')
    return { kind: 'wait', message: `VM ${vmid} is locked (${String(lock)}); waiting` };
  if (status === 'running') {
    try {
      const upid = shutdownFailed
        ? await qemuPower(pve, node, vmid, 'stop')
        : await qemuPower(pve, node, vmid, 'shutdown', {
            timeout: p.spec.shutdownTimeoutSeconds,
            forceStop: 1,
          });
      return { kind: 'task', op: shutdownFailed ? 'stop' : 'shutdown', upid };
    } catch (err) {
      if (!alreadyInState(err)) throw err;
    }
  }
  const upid = await qemuDestroy(pve, node, vmid, { purge: true, destroyUnreferencedDisks: true });
  return { kind: 'task', op: 'destroy', upid };
}

export async function finalizeVm(p: Pass): Promise<'done' | ObjectOutcome> {
  const { pve } = p.sh.deps;
  const t = p.obs.task;
  let shutdownFailed = false;
  if (t) {
    const r = await pollTask(pve, t);
    if (r.state === 'running') {
      return outcome(p, {
        requeueAfterMs: p.sh.pollMs,
        notReady: { reason: 'Deleting', message: `${t.op} of VM ${p.obs.vmid ?? '?'} in progress` },
      });
    }
    delete p.obs.task;
    if (r.state === 'failed' && (t.op === 'destroy' || t.op === 'stop')) {
      throw new Error(`${t.op} of VM ${p.obs.vmid ?? '?'} failed: ${r.exit}`);
    }
    shutdownFailed = r.state === 'failed' && t.op === 'shutdown';
  }
  const idx = await p.sh.cache.guestIndex();
  const claim = claimedCt(p, 'qemu');
  const vmid = p.obs.vmid ?? claim?.vmid ?? p.spec.vmid;
  if (vmid === undefined) return gone(p);
  const entry = idx.byVmid.get(vmid);
  if (entry && entry.type !== 'qemu') return gone(p);
  const node = entry?.node ?? p.obs.node ?? claim?.node ?? p.spec.node;
  const read = await readOrMissing(p, node, vmid);
  if (!read) return gone(p);
  const recorded = p.obs.vmid !== undefined && p.obs.phase === undefined;
  // A clone still running carries the template's description (no marker yet): it is ours once
  // it ends, so the claim is kept and the deletion waits for it.
  if (!recorded && claim?.vmid === vmid && read.current['lock'] === 'clone') {
    return outcome(p, {
      requeueAfterMs: p.sh.pollMs,
      notReady: { reason: 'Deleting', message: `VM ${vmid} is still being cloned; waiting` },
    });
  }
  if (!recorded && markerOf(read.current['description']) !== p.obj.uid) {
    p.rc?.recordEvent?.(p.obj.name, {
      type: 'Normal',
      reason: 'NothingToDelete',
      message: `VM ${vmid} on node ${node} was never created by this object; left untouched`,
    });
    return gone(p);
  }
  // A destructive act: the power state is read fresh, never taken from the shared list.
  const status = (await qemuStatus(pve, node, vmid)).status;
  const step = await teardownVm(p, node, vmid, read, status, shutdownFailed);
  if (step.kind === 'wait') {
    return outcome(p, {
      requeueAfterMs: p.sh.pollMs,
      notReady: { reason: 'Deleting', message: step.message },
    });
  }
  p.obs.task = { upid: step.upid, node, op: step.op };
  p.obs.vmid = vmid;
  p.obs.node = node;
  p.sh.cache.touch(vmid);
  const what =
    step.op === 'destroy'
      ? `destroying VM ${vmid} (purge)`
      : step.op === 'stop'
        ? `stopping VM ${vmid} (shutdown failed) before destroying it`
        : `shutting down VM ${vmid} before destroying it`;
  return outcome(p, {
    requeueAfterMs: p.sh.pollMs,
    actions: [what],
    notReady: { reason: 'Deleting', message: what },
  });
}

function gone(p: Pass): 'done' {
  releaseAll(p, 'qemu');
  return 'done';
}
