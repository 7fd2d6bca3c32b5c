/**
 * Destroying a container pxr owns, one step per pass: refuse unless the ownership marker binds it to
 * this object and protection is off; shut it down (with a timeout, then stopped); destroy it with
 * purge; the caller then verifies it is gone. Used by deletion (finalize) and by
 * `replacePolicy: recreate`.
 */
import { TerminalError } from '../../core/errors.js';
import { lxcDestroy, lxcPower, type LxcConfigRead } from '../../pve/lxc.js';
import type { PveClient } from '../../pve/types.js';
import { markerLine, markerOf } from './marker.js';
import { alreadyInState } from './pass.js';

export type TeardownStep =
  { kind: 'task'; op: 'shutdown' | 'destroy'; upid: string } | { kind: 'wait'; message: string };

/** Throws `DeletionRefused` (terminal) when pxr must not destroy this container. */
export function assertDestroyable(
  read: LxcConfigRead,
  vmid: number,
  node: string,
  uid: string,
): void {
  const desc = read.current['description'] ?? read.effective['description'];
  const owner = markerOf(desc);
  if (owner !== uid) {
    throw new TerminalError(
      'DeletionRefused',
      `refusing to destroy CT ${vmid} on node ${node}: its description ${owner ? `binds it to another object (pxr:uid=${owner})` : 'carries no pxr marker'}, expected '${markerLine(uid)}'`,
      { context: { vmid, node } },
    );
  }
  const prot = read.current['protection'];
  if (prot === 1 || prot === '1') {
    throw new TerminalError(
      'DeletionRefused',
      `refusing to destroy CT ${vmid} on node ${node}: protection mode is on (turn it off in Proxmox to let pxr delete it)`,
      { context: { vmid, node } },
    );
  }
}

export async function teardownStep(
  pve: PveClient,
  o: {
    node: string;
    vmid: number;
    uid: string;
    read: LxcConfigRead;
    status: string;
    timeoutS: number;
  },
): Promise<TeardownStep> {
  assertDestroyable(o.read, o.vmid, o.node, o.uid);
  const lock = o.read.current['lock'];
  if (lock !== undefined && lock !== '') {
    return { kind: 'wait', message: `CT ${o.vmid} is locked (${String(lock)}); waiting` };
  }
  if (o.status === 'running') {
    try {
      const upid = await lxcPower(pve, o.node, o.vmid, 'shutdown', {
        timeout: o.timeoutS,
        forceStop: 1,
      });
      return { kind: 'task', op: 'shutdown', upid };
    } catch (err) {
      if (!alreadyInState(err)) throw err;
    }
  }
  const upid = await lxcDestroy(pve, o.node, o.vmid, {
    purge: true,
    destroyUnreferencedDisks: true,
  });
  return { kind: 'task', op: 'destroy', upid };
}
