/** The Proxmox calls of the Bridge reconciler: task state, staging one change, the apply task. */
import { isPveApiError } from '../../pve/errors.js';
import type { PveClient } from '../../pve/types.js';
import { isTaskSuccess, parseUpid } from '../../pve/upid.js';
import type { BridgeChange } from './diff.js';

export type ApplyState =
  | { state: 'none' }
  | { state: 'running'; upid: string }
  | { state: 'ok'; upid: string; exitstatus: string }
  | { state: 'failed'; upid: string; exitstatus: string };

/**
 * State of the apply tasks recorded in status (one per node in practice). A UPID the node no longer
 * knows (`no such task`, e.g. after a node reinstall) is treated as finished: the re-read decides.
 */
export async function recordedApplyState(
  pve: PveClient,
  fallbackNode: string,
  upids: readonly string[],
): Promise<ApplyState> {
  let result: ApplyState = { state: 'none' };
  for (const upid of new Set(upids)) {
    const node = parseUpid(upid)?.node ?? fallbackNode;
    let st;
    try {
      st = await pve.taskStatus(node, upid);
    } catch (err) {
      if (isPveApiError(err, 'NOT_FOUND')) continue;
      throw err;
    }
    if (st.status === 'running') return { state: 'running', upid };
    const exit = st.exitstatus ?? 'unexpected status';
    if (!isTaskSuccess(exit)) result = { state: 'failed', upid, exitstatus: exit };
    else if (result.state === 'none') result = { state: 'ok', upid, exitstatus: exit };
  }
  return result;
}

/**
 * A network reload running on the node that status does not know about: ours from a pass that
 * crashed (or whose outcome could not be recorded, as in finalize), or someone else's. Either way,
 * wait for it instead of judging its pending changes foreign.
 */
export async function activeReload(pve: PveClient, node: string): Promise<string | undefined> {
  const tasks = await pve.listTasks(node, { source: 'active', typefilter: 'srvreload' });
  return tasks.find((t) => t.type === 'srvreload')?.upid;
}

/** Stages one change in `interfaces.new`. */
export async function stageChange(pve: PveClient, node: string, c: BridgeChange): Promise<void> {
  if (c.op === 'create') await pve.createNetwork(node, c.iface, c.params);
  else if (c.op === 'update') await pve.updateNetwork(node, c.iface, c.params);
  else await pve.deleteNetwork(node, c.iface);
}
