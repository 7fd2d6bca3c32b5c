/**
 * `POST /nodes/{node}/lxc/{vmid}/clone` as pve-container `PVE/API2/LXC.pm` `clone_vm` does it:
 * the source gets `lock: disk` and the new CT a config with `lock: create` before the `vzclone`
 * worker copies (full clone) or clones (linked clone of a template or snapshot) each volume;
 * both locks go when the worker ends, and a failed worker removes the new CT and its volumes.
 */
import type { RequestContext } from '../types.js';
import { die } from '../types.js';
import type { NodeState } from '../state.js';
import { addVmToPool, checkPoolExist } from '../cluster/pools.js';
import { descriptionReadBack } from './config-file.js';
import { parseMountPoint, parseNet, printMountPoint, printNet, randomMac } from './ct-formats.js';
import { isBaseVolume, volumeHasFeature } from './features.js';
import { checkLock, checkVmidUnused, loadCt, takeConfigFlock } from './guests.js';
import { allocDisk, freeVolume, getStorage, splitVolid } from './volumes.js';

const VZCLONE_MS = 4000;

/** `vdisk_clone` on LVM-thin: `base-100-disk-0/vm-101-disk-0` for a template's volume. */
function linkedClone(node: NodeState, volid: string, newid: number, now: number): string {
  const v = splitVolid(volid);
  const st = v ? getStorage(node, v.storage) : undefined;
  const src = st?.volumes[volid];
  if (!v || !st || !src) return die(`volume '${volid}' does not exist`);
  let n = 0;
  const nameOf = (i: number): string =>
    `${v.storage}:${isBaseVolume(volid) ? `${v.name}/` : ''}vm-${newid}-disk-${i}`;
  while (st.volumes[nameOf(n)]) n++;
  const next = nameOf(n);
  st.volumes[next] = { ...src, volid: next, vmid: newid, ctime: Math.floor(now / 1000) };
  return next;
}

export function cloneCt(ctx: RequestContext): string {
  const { sim, params } = ctx;
  const node = sim.node(String(params.node));
  const vmid = Number(params.vmid);
  const newid = Number(params.newid);
  const snapname = params.snapname as string | undefined;
  const storage = params.storage as string | undefined;
  const pool = params.pool as string | undefined;
  let target = params.target as string | undefined;
  if (target === node.name || target === 'localhost') target = undefined;
  if (target !== undefined) sim.node(target);
  if (pool !== undefined) checkPoolExist(sim, pool);
  if (storage !== undefined) getStorage(node, storage);

  // set_lock($vmid, 'disk'), then create_and_lock_config($newid).
  takeConfigFlock(sim, vmid);
  const source = loadCt(node, vmid);
  checkLock(source);
  source.config.lock = 'disk';
  const releaseSource = (): void => {
    const cur = node.lxc[String(vmid)];
    if (cur?.config.lock === 'disk') delete cur.config.lock;
    sim.touch();
  };
  try {
    checkVmidUnused(sim, newid);
  } catch (err) {
    releaseSource();
    throw err;
  }
  node.lxc[String(newid)] = {
    vmid: newid,
    config: { lock: 'create' },
    pending: {},
    pendingDelete: [],
    status: 'stopped',
  };

  const mountpoints: Record<string, ReturnType<typeof parseMountPoint>> = {};
  const full: Record<string, boolean> = {};
  const newconf: Record<string, string | number> = {};
  try {
    const running = source.status === 'running';
    const isFull = params.full === undefined ? !source.config.template : params.full === 1;
    if (storage !== undefined && !isFull) die("parameter 'storage' not allowed for linked clones");
    if (snapname && !source.snapshots?.[snapname]) die(`snapshot '${snapname}' does not exist`);
    const src = snapname ? (source.snapshots?.[snapname] ?? {}) : source.config;
    for (const opt of Object.keys(src).sort()) {
      if (/^unused\d+$/.test(opt)) continue;
      const value = src[opt] as string | number;
      if (opt === 'rootfs' || /^mp\d+$/.test(opt)) {
        const mp = parseMountPoint(opt, String(value));
        if (mp.type !== 'volume') die(`unable to clone mountpoint '${opt}' (type ${mp.type})`);
        if (isFull) {
          if (running && snapname === undefined)
            die('Full clone of a running container is only possible from a snapshot');
          full[opt] = true;
        } else if (!volumeHasFeature(node, 'clone', mp.volume, snapname)) {
          die(`Linked clone feature for '${mp.volume}' is not available`);
        }
        mountpoints[opt] = mp;
      } else if (/^net\d+$/.test(opt)) {
        // always change MAC! address
        const net = parseNet(String(value), () => sim.random());
        net.hwaddr = randomMac(() => sim.random());
        newconf[opt] = printNet(net);
      } else {
        newconf[opt] = value;
      }
    }
    // Every simulated storage is local to its node.
    if (target !== undefined && Object.keys(mountpoints).length > 0)
      die(`can't clone CT to node '${target}' (CT uses local storage)`);
    for (const k of ['snapshots', 'parent', 'snaptime', 'snapstate', 'template', 'lock', 'digest'])
      delete newconf[k];
    if (typeof params.hostname === 'string' && params.hostname !== '')
      newconf.hostname = params.hostname;
    if (typeof params.description === 'string' && params.description !== '')
      newconf.description = descriptionReadBack(params.description);
    newconf.lock = 'create';
    const fresh = node.lxc[String(newid)];
    if (fresh) fresh.config = { ...newconf };
  } catch (err) {
    releaseSource();
    delete node.lxc[String(newid)];
    throw err;
  }
  sim.touch();

  const created: string[] = [];
  return sim.tasks.start({
    node: node.name,
    type: 'vzclone',
    id: String(vmid),
    caller: ctx.caller,
    durationMs: VZCLONE_MS,
    run(log) {
      const ct = loadCt(node, newid);
      if (ct.config.lock !== 'create') die("Lost 'create' config lock, aborting.");
      for (const opt of Object.keys(mountpoints).sort()) {
        const mp = mountpoints[opt];
        if (!mp) continue;
        let volid: string;
        if (full[opt]) {
          log(`create full clone of mountpoint ${opt} (${mp.volume})`);
          const sid = storage ?? splitVolid(mp.volume)?.storage ?? '';
          const size = mp.size ?? 4 * 1024 ** 3;
          volid = allocDisk(node, sid, newid, size, sim.clock.now());
        } else {
          log(`create linked clone of mount point ${opt} (${mp.volume})`);
          volid = linkedClone(node, mp.volume, newid, sim.clock.now());
        }
        created.push(volid);
        ct.config[opt] = printMountPoint(opt, { ...mp.values, volume: volid });
      }
      if (pool !== undefined) addVmToPool(sim, newid, pool);
      delete ct.config.lock;
      sim.touch();
    },
    finally(ok) {
      // Unlock the source config in any case.
      releaseSource();
      if (ok) return;
      for (const volid of created) freeVolume(node, volid);
      delete node.lxc[String(newid)];
      sim.touch();
    },
  });
}
