/**
 * One SDN batch: every change of a pass is written to the edited (pending) config, the result is
 * read back with `?pending=1`, and applied with ONE `PUT /cluster/sdn`, whose `reloadnetworkall`
 * task is polled to its end and whose outcome is then checked on every node
 * (`/cluster/resources?type=sdn`: no zone left `pending` or in `error`).
 *
 * Under PVE 9 the global lock is taken first (`POST /cluster/sdn/lock`, `allow-pending` since pxr's
 * own earlier writes may still be pending; foreign ones are refused by pxr itself), its token goes
 * on every write and on the apply (which releases it). PVE 8 has no lock: `501` on the lock call
 * says so, and the batch runs without one (remembered per process).
 *
 * Pending changes pxr did not make are never applied: the batch re-reads the pending view under
 * the lock and refuses (writing nothing) when `foreignOf` names any. A refused PUT is rolled back
 * with `POST /cluster/sdn/rollback` (pxr's own pending writes are dropped, to be written again by
 * the next pass). A reload task that fails after the PUT is not: the PUT had already committed the
 * config as running, so a rollback would undo nothing; it is reported and applied again.
 */
import { PxrError } from '../../core/errors.js';
import { isPveApiError } from '../../pve/errors.js';
import { sdnApply, sdnLock, sdnRollback, sdnUnlock } from '../../pve/sdn.js';
import { parseUpid, isTaskSuccess } from '../../pve/upid.js';
import type { PveClient } from '../../pve/types.js';
import { pendingEntries, readSdnWorld, type SdnWorld } from './world.js';

export interface SdnWrite {
  /** `POST /cluster/sdn/zones`, for the actions and `pxr diff`. */
  call: string;
  run(pve: PveClient, lockToken: string | undefined): Promise<void>;
}

export interface BatchOptions {
  writes: SdnWrite[];
  /** The pending changes pxr did not make (`zone foo (new)`); any refuses the batch. */
  foreignOf(world: SdnWorld): string[];
  /** Write only; the apply is left to a later batch (the VNets' pass). */
  stageOnly?: boolean;
  /** Apply even with nothing pending (a node never reloaded the running config). */
  reapply?: boolean;
  pollMs: number;
  timeoutMs: number;
  sleep(ms: number): Promise<void>;
  now(): number;
  /**
   * Shared by the SDN kinds of one process: whether the server has the PVE 9 lock (learnt on first
   * use), and the batch running now (the kinds' batches take turns instead of meeting at the lock).
   */
  lockSupport: { known?: boolean; tail?: Promise<unknown> };
}

export type BatchResult =
  | { kind: 'refused'; foreign: string[] }
  | { kind: 'done'; calls: string[]; upid?: string; locked: boolean }
  | { kind: 'staged'; calls: string[]; locked: boolean }
  | { kind: 'failed'; calls: string[]; error: string; rolledBack: boolean; upid?: string };

async function takeLock(pve: PveClient, support: { known?: boolean }): Promise<string | undefined> {
  if (support.known === false) return undefined;
  try {
    const token = await sdnLock(pve, true);
    support.known = true;
    return token;
  } catch (err) {
    if (isPveApiError(err, 'NOT_IMPLEMENTED')) {
      support.known = false;
      return undefined;
    }
    if (isPveApiError(err) && /lock/i.test(err.message)) {
      throw new PxrError('SDN_LOCKED', `the SDN config is locked by someone else: ${err.message}`);
    }
    throw err;
  }
}

async function waitTask(pve: PveClient, upid: string, o: BatchOptions): Promise<string> {
  const node = parseUpid(upid)?.node ?? 'localhost';
  const until = o.now() + o.timeoutMs;
  for (;;) {
    const st = await pve.taskStatus(node, upid);
    if (st.status === 'stopped') return st.exitstatus ?? 'unknown';
    if (o.now() > until) throw new PxrError('SDN_APPLY_TIMEOUT', `SDN apply ${upid} still running`);
    await o.sleep(o.pollMs);
  }
}

/** Every node's zones once the reload ran: an error on any node fails the apply. */
async function waitNodes(pve: PveClient, o: BatchOptions): Promise<string | undefined> {
  const until = o.now() + o.timeoutMs;
  for (;;) {
    const zones = await pve.clusterResources('sdn');
    const bad = zones.filter((z) => z['status'] === 'error');
    if (bad.length > 0) {
      return `SDN zones in error: ${bad.map((z) => `${String(z['sdn'])} on ${String(z['node'])}`).join(', ')}`;
    }
    if (!zones.some((z) => z['status'] === 'pending')) return undefined;
    if (o.now() > until) return 'SDN zones still pending on some node after the apply';
    await o.sleep(o.pollMs);
  }
}

export function runSdnBatch(pve: PveClient, o: BatchOptions): Promise<BatchResult> {
  const prev = o.lockSupport.tail ?? Promise.resolve();
  const run = prev.catch(() => undefined).then(() => batchNow(pve, o));
  o.lockSupport.tail = run.catch(() => undefined);
  return run;
}

async function batchNow(pve: PveClient, o: BatchOptions): Promise<BatchResult> {
  let token = await takeLock(pve, o.lockSupport);
  const locked = token !== undefined;
  const calls: string[] = [];
  try {
    const before = await readSdnWorld(pve);
    const foreign = o.foreignOf(before);
    if (foreign.length > 0) return { kind: 'refused', foreign };
    for (const w of o.writes) {
      await w.run(pve, token);
      calls.push(w.call);
    }
    if (o.stageOnly) return { kind: 'staged', calls, locked };
    // The diff the apply will make: only pxr's (a writer without the lock may have slipped in).
    const after = await readSdnWorld(pve);
    const late = o.foreignOf(after);
    if (late.length > 0) return { kind: 'refused', foreign: late };
    if (pendingEntries(after).length === 0 && o.reapply !== true)
      return { kind: 'done', calls, locked };
    let upid: string;
    try {
      upid = await sdnApply(pve, token);
      calls.push('PUT /cluster/sdn');
      token = undefined; // the apply released the lock (release-lock defaults to 1)
    } catch (err) {
      const rolledBack = await rollback(pve, token);
      const error = err instanceof Error ? err.message : String(err);
      return { kind: 'failed', calls, error, rolledBack };
    }
    const exit = await waitTask(pve, upid, o);
    const error = isTaskSuccess(exit) ? await waitNodes(pve, o) : exit;
    // No rollback here: the PUT already made the edited config the running one, so a rollback
    // would undo nothing of pxr's and only drop what others made pending since. The next pass
    // applies again (the nodes did not reload).
    if (error !== undefined) return { kind: 'failed', calls, error, rolledBack: false, upid };
    return { kind: 'done', calls, upid, locked };
  } finally {
    if (token !== undefined) await sdnUnlock(pve, token).catch(() => undefined);
  }

  async function rollback(p: PveClient, t: string | undefined): Promise<boolean> {
    if (o.lockSupport.known !== true) return false;
    try {
      await sdnRollback(p, t);
      calls.push('POST /cluster/sdn/rollback');
      if (t !== undefined) token = undefined; // rollback releases the lock too
      return true;
    } catch {
      return false;
    }
  }
}
