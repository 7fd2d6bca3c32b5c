/**
 * Deletion (the manifest was removed), one step per pass: wait for a task in flight, verify the
 * container is ours (never recorded and unmarked: it never was, so nothing is destroyed), then
 * shutdown, destroy with purge, and verify it is gone. The task in flight is kept in the observed
 * facts (finalize passes record them like any pass), so a restarted controller polls the same task
 * instead of starting another.
 */
import type { ObjectOutcome } from '../../core/kind.js';
import { lxcStatus } from '../../pve/lxc.js';
import { readOrMissing, scanByMarker } from './locate.js';
import { markerOf } from './marker.js';
import { claimedCt, releaseAll } from './ownership.js';
import { outcome, pollTask, TaskFailedError, type Pass } from './pass.js';
import { teardownStep } from './teardown.js';

export async function finalizeOne(p: Pass): Promise<'done' | ObjectOutcome> {
  const { pve } = p.sh.deps;
  const uid = p.obj.uid;
  const t = p.obs.task;
  if (t) {
    const r = await pollTask(pve, t);
    if (r.state === 'running') {
      return outcome(p, {
        requeueAfterMs: p.sh.pollMs,
        notReady: {
          reason: 'Deleting',
          message: `${t.op} of CT ${p.obs.vmid ?? '?'} in progress`,
        },
      });
    }
    delete p.obs.task;
    if (r.state === 'failed' && (t.op === 'destroy' || t.op === 'shutdown')) {
      throw new TaskFailedError(t.op, p.obs.vmid, r.exit);
    }
  }
  const idx = await p.sh.cache.guestIndex();
  const claim = claimedCt(p);
  const vmid = p.obs.vmid ?? claim?.vmid ?? p.spec.vmid ?? (await scanByMarker(p, idx));
  if (vmid === undefined) return gone(p);
  const node = idx.byVmid.get(vmid)?.node ?? p.obs.node ?? claim?.node ?? p.spec.node;
  const read = await readOrMissing(p, node, vmid);
  if (!read) return gone(p);
  const recorded = p.obs.vmid !== undefined && p.obs.phase === undefined;
  if (!recorded && markerOf(read.current['description']) !== uid) {
    // Never ours (e.g. refused as NotOwned): nothing to clean up, and nothing to destroy.
    p.rc?.recordEvent?.(p.obj.name, {
      type: 'Normal',
      reason: 'NothingToDelete',
      message: `CT ${vmid} on node ${node} was never created by this object; left untouched`,
    });
    return gone(p);
  }
  // A destructive act: the status is read fresh, never taken from the shared list.
  const status = (await lxcStatus(pve, node, vmid)).status;
  const step = await teardownStep(pve, {
    node,
    vmid,
    uid,
    read,
    status,
    timeoutS: p.spec.shutdownTimeoutSeconds,
  });
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
      ? `destroying CT ${vmid} (purge)`
      : `shutting down CT ${vmid} before destroying it`;
  return outcome(p, {
    requeueAfterMs: p.sh.pollMs,
    actions: [what],
    notReady: { reason: 'Deleting', message: what },
  });
}

/** Verified gone (or never ours): the claims go too, then the finalizer may be dropped. */
function gone(p: Pass): 'done' {
  releaseAll(p);
  return 'done';
}
