/**
 * Finding and guarding containers: config load errors, the cluster-wide VMID check, config locks
 * (`lock:` property) and the config flock (simulated contention from the fault rules).
 */
import { die } from '../types.js';
import type { NodeState } from '../state.js';
import type { RequestContext, SimContext } from '../types.js';
import type { LxcState } from './state.js';
import { allocDisk, freeVolume, getStorage, splitVolid, volumeSize } from './volumes.js';
import type { VolumeOps } from './config-update.js';
import { isBridgeUp } from '../network/node-network.js';

/** `load_config`: the container or 500 `Configuration file 'nodes/pve/lxc/100.conf' does not exist`. */
export function loadCt(node: NodeState, vmid: number): LxcState {
  const ct = node.lxc[String(vmid)];
  if (!ct) die(`Configuration file 'nodes/${node.name}/lxc/${vmid}.conf' does not exist`);
  return ct;
}

/** The node and container of a request (`{node}` + `{vmid}`). */
export function requestCt(ctx: RequestContext): { node: NodeState; ct: LxcState; vmid: number } {
  const node = ctx.sim.node(String(ctx.params.node));
  const vmid = Number(ctx.params.vmid);
  return { node, ct: loadCt(node, vmid), vmid };
}

/** `PVE::Cluster::check_vmid_unused`: the VMID is unique across every node and guest type. */
export function checkVmidUnused(sim: SimContext, vmid: number): void {
  for (const node of Object.values(sim.state.nodes)) {
    if (node.lxc[String(vmid)]) die(`CT ${vmid} already exists on node '${node.name}'`);
    if (node.qemu?.[String(vmid)]) die(`VM ${vmid} already exists on node '${node.name}'`);
  }
}

/** `check_lock`: 500 `CT is locked (create)`. */
export function checkLock(ct: LxcState): void {
  const lock = ct.config.lock;
  if (lock !== undefined && lock !== '') die(`CT is locked (${lock})`);
}

/** `lock_config`: fails like flock with a 10 s timeout while the fault rules say it is held. */
export function takeConfigFlock(sim: SimContext, vmid: number): void {
  if (sim.faults.lockContention(vmid))
    die(`can't lock file '/run/lock/lxc/pve-config-${vmid}.lock' - got timeout`);
}

/** pve-common PVE/Tools.pm lock_file_full: flock with a 10 s timeout (run_with_timeout). */
export const CONFIG_FLOCK_TIMEOUT_MS = 10_000;

/**
 * `lock_config` of a request handler: waits while a running worker holds the container's flock
 * (pve-container PVE/API2/LXC/Status.pm runs vm_start & co. inside `lock_config`) and fails like
 * flock after 10 s; then takes it as {@link takeConfigFlock} does.
 */
export async function waitConfigFlock(sim: SimContext, node: string, vmid: number): Promise<void> {
  const deadline = sim.clock.now() + CONFIG_FLOCK_TIMEOUT_MS;
  for (;;) {
    sim.tasks.settle();
    const holder = sim.state.tasks.find(
      (t) => t.status === 'running' && t.node === node && t.configFlock === vmid,
    );
    if (!holder) break;
    const now = sim.clock.now();
    if (holder.endsAt > deadline) {
      if (deadline > now) await sim.clock.sleep(deadline - now);
      die(`can't lock file '/run/lock/lxc/pve-config-${vmid}.lock' - got timeout`);
    }
    // Wake up when the worker is done (its own completion timer settles it).
    await sim.clock.sleep(Math.max(1, holder.endsAt - now));
  }
  takeConfigFlock(sim, vmid);
}

/** The storage side effects of config changes, bound to one node and container. */
export function volumeOps(sim: SimContext, node: NodeState, vmid: number): VolumeOps {
  return {
    random: () => sim.random(),
    alloc: (storage, size) => allocDisk(node, storage, vmid, size, sim.clock.now()),
    free: (volid) => freeVolume(node, volid),
    checkRootdir: (volid) => {
      const v = splitVolid(volid);
      if (!v) die(`unable to parse volume ID '${volid}'`);
      const s = getStorage(node, v.storage);
      if (!s.content.includes('rootdir'))
        die(`storage '${v.storage}' does not allow content type 'rootdir' (Container)`);
    },
    sizeOf: (volid) => volumeSize(node, volid),
    bridgeUp: (bridge) => isBridgeUp(node.network, bridge),
  };
}

/** Every volume a config references (rootfs, mpN, unusedN, pending included). */
export function referencedVolumes(ct: LxcState): string[] {
  const res = new Set<string>();
  for (const section of [ct.config, ct.pending]) {
    for (const [key, value] of Object.entries(section)) {
      if (!/^(rootfs|mp\d+|unused\d+)$/.test(key)) continue;
      const volume = String(value).split(',')[0] ?? '';
      const bare = volume.startsWith('volume=') ? volume.slice(7) : volume;
      if (!bare.startsWith('/') && splitVolid(bare)) res.add(bare);
    }
  }
  return [...res];
}
