/**
 * Waits for a Proxmox task by polling its status, for tests that start a task by hand (pxr itself
 * never blocks on a task: its kinds record the UPID and requeue).
 */
import { systemClock, type Clock } from '../../src/core/clock.js';
import { PxrError } from '../../src/core/errors.js';
import { PveTaskError } from '../../src/pve/errors.js';
import type { PveClient } from '../../src/pve/types.js';
import { isTaskSuccess } from '../../src/pve/upid.js';

export interface WaitTaskOptions {
  /** Sleeps between polls happen on this clock (a ManualClock: only when it advances). */
  clock?: Clock;
  signal?: AbortSignal;
  /** @default 1000 */
  pollMs?: number;
  /** Give up with TASK_TIMEOUT after this long on the clock. @default no limit */
  timeoutMs?: number;
}

/** Returns the task's exitstatus on success; throws `PveTaskError` when it failed. */
export async function waitTask(
  pve: Pick<PveClient, 'taskStatus'>,
  node: string,
  upid: string,
  o: WaitTaskOptions = {},
): Promise<string> {
  const clock = o.clock ?? systemClock;
  const pollMs = o.pollMs ?? 1000;
  const deadline = o.timeoutMs === undefined ? Infinity : clock.now() + o.timeoutMs;
  for (;;) {
    o.signal?.throwIfAborted();
    const st = await pve.taskStatus(node, upid);
    if (st.status === 'stopped') {
      const exit = st.exitstatus ?? 'unexpected status';
      if (!isTaskSuccess(exit)) throw new PveTaskError(upid, exit);
      return exit;
    }
    if (clock.now() + pollMs > deadline) {
      throw new PxrError('TASK_TIMEOUT', `task ${upid} still running after ${o.timeoutMs}ms`, {
        context: { upid, node },
      });
    }
    await clock.sleep(pollMs, o.signal);
  }
}
