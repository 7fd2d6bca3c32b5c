/**
 * DELETE /nodes/{node}/lxc/{vmid} (`vzdestroy`) and PUT /resize (`resize`): early checks are
 * synchronous and repeated in the worker against the config as it is then.
 */
import { die, type RequestContext } from '../types.js';
import type { NodeState } from '../state.js';
import type { LxcState } from './state.js';
import { configDigest } from './config-file.js';
import { parseMountPoint, printMountPoint } from './ct-formats.js';
import { checkLock, loadCt, referencedVolumes, requestCt, takeConfigFlock } from './guests.js';
import { DURATION_MS, stopCt } from './lifecycle.js';
import { parseSize } from './property-string.js';
import { removeVmFromPools } from '../cluster/pools.js';
import { freeVolume, resizeVolume, splitVolid, volumeSize, volumesOwnedBy } from './volumes.js';

function destroyEarlyChecks(ct: LxcState): void {
  if (ct.config.protection) die(`can't remove CT ${ct.vmid} - protection mode enabled`);
  checkLock(ct);
}

export function destroyCt(ctx: RequestContext): string {
  const { sim, params } = ctx;
  const { node, ct, vmid } = requestCt(ctx);
  const force = params.force === 1;
  const running = `unable to destroy CT ${vmid} - container is running`;
  destroyEarlyChecks(ct);
  if (!force && ct.status === 'running') die(running);
  return sim.tasks.start({
    node: node.name,
    type: 'vzdestroy',
    id: String(vmid),
    caller: ctx.caller,
    durationMs: DURATION_MS.vzdestroy,
    run(log) {
      takeConfigFlock(sim, vmid);
      const cur = loadCt(node, vmid);
      destroyEarlyChecks(cur);
      if (cur.status === 'running') {
        if (!force) die(running);
        log(`forced to stop CT ${vmid} before destroying!`);
        stopCt(cur);
      }
      const volumes = new Set(referencedVolumes(cur));
      if (params['destroy-unreferenced-disks'] === 1)
        for (const v of volumesOwnedBy(node, vmid)) volumes.add(v);
      for (const volid of volumes) {
        // Only the container's own disks go: a bind of another guest's volume stays.
        if (!/(^|[/:])(vm|subvol)-\d+-disk-\d+/.test(splitVolid(volid)?.name ?? '')) continue;
        if (!new RegExp(`(vm|subvol)-${vmid}-disk-`).test(volid)) continue;
        freeVolume(node, volid);
        log(`  Logical volume "${volid.replace(/^.*:/, '')}" successfully removed.`);
      }
      // remove_vm_access: the guest leaves its pool with or without purge.
      removeVmFromPools(sim, vmid);
      delete node.guestFirewall[String(vmid)];
      if (params.purge === 1) log(`purging CT ${vmid} from related configurations..`);
      delete node.lxc[String(vmid)];
      sim.touch();
    },
  });
}

/** `load_and_check` of resize: lock, digest, volume, new size (never smaller, never the same). */
function resizeCheck(
  node: NodeState,
  ct: LxcState,
  params: Record<string, unknown>,
): { volid: string; newSize: number; disk: string } {
  checkLock(ct);
  const digest = params.digest;
  if (typeof digest === 'string' && digest !== '' && digest !== configDigest(ct))
    die('detected modified configuration - file changed by other user? Try again.');
  const disk = String(params.disk);
  const text = ct.config[disk];
  if (text === undefined) die('volume: property is missing and it is not optional');
  const mp = parseMountPoint(disk, String(text));
  if (mp.type !== 'volume') die(`unable to resize mount point type '${mp.type}'`);
  const sizeStr = String(params.size);
  const ext = sizeStr.startsWith('+');
  const request = parseSize(ext ? sizeStr.slice(1) : sizeStr);
  if (request === undefined) die('invalid size string');
  const size = volumeSize(node, mp.volume) ?? mp.size;
  if (size === undefined) die(`Could not determine current size of volume '${mp.volume}'`);
  const newSize = Math.trunc(ext ? size + request : request);
  if (newSize < size) die('unable to shrink disk size');
  if (newSize === size) die('disk is already at specified size');
  return { volid: mp.volume, newSize, disk };
}

export function resizeCt(ctx: RequestContext): string {
  const { sim, params } = ctx;
  const { node, ct, vmid } = requestCt(ctx);
  resizeCheck(node, ct, params);
  return sim.tasks.start({
    node: node.name,
    type: 'resize',
    id: String(vmid),
    caller: ctx.caller,
    durationMs: DURATION_MS.resize,
    run(log) {
      takeConfigFlock(sim, vmid);
      const cur = loadCt(node, vmid);
      const { volid, newSize, disk } = resizeCheck(node, cur, params);
      if (volumeSize(node, volid) !== undefined) resizeVolume(node, volid, newSize);
      const mp = parseMountPoint(disk, String(cur.config[disk]));
      cur.config[disk] = printMountPoint(disk, { ...mp.values, size: newSize });
      log(`  Size of logical volume changed to ${(newSize / 1024 ** 3).toFixed(2)} GiB.`);
      sim.touch();
    },
  });
}
