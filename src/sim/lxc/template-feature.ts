/**
 * `POST .../template` and `GET .../feature` of pve-container `PVE/API2/LXC.pm`: the template
 * checks run under the config flock before the `vztemplate` worker, which renames every volume to
 * its base name (`vdisk_create_base`) and sets `template: 1` (`PVE::LXC::template_create`).
 */
import type { RequestContext } from '../types.js';
import { die } from '../types.js';
import type { NodeState } from '../state.js';
import { parseMountPoint, printMountPoint } from './ct-formats.js';
import { ctHasFeature, mountPoints, volumeHasFeature, type Feature } from './features.js';
import { checkLock, loadCt, requestCt, takeConfigFlock } from './guests.js';
import { splitVolid } from './volumes.js';

const VZTEMPLATE_MS = 1000;

/** `vdisk_create_base`: `vm-` becomes `base-` (`subvol-` becomes `basevol-` on ZFS). */
function createBase(node: NodeState, volid: string): string {
  const v = splitVolid(volid);
  const st = v ? node.storages[v.storage] : undefined;
  const vol = st?.volumes[volid];
  if (!v || !st || !vol) return die(`volume '${volid}' does not exist`);
  const name = v.name.replace(/(^|\/)subvol-/, '$1basevol-').replace(/(^|\/)vm-/, '$1base-');
  const next = `${v.storage}:${name}`;
  delete st.volumes[volid];
  st.volumes[next] = { ...vol, volid: next };
  return next;
}

export function templateCt(ctx: RequestContext): null {
  const { sim, caller } = ctx;
  const { node, vmid } = requestCt(ctx);
  takeConfigFlock(sim, vmid);
  const ct = loadCt(node, vmid);
  checkLock(ct);
  if (Object.keys(ct.snapshots ?? {}).length > 0)
    die('unable to create template, because CT contains snapshots');
  if (ct.config.template) die("you can't convert a template to a template");
  if (ct.status === 'running') die("you can't convert a CT to template if the CT is running");
  sim.tasks.start({
    node: node.name,
    type: 'vztemplate',
    id: String(vmid),
    caller,
    durationMs: VZTEMPLATE_MS,
    run() {
      const cur = loadCt(node, vmid);
      for (const [, volume] of mountPoints(cur.config))
        if (!volumeHasFeature(node, 'template', volume))
          die(`Template feature is not available for '${volume}'`);
      for (const [key] of mountPoints(cur.config)) {
        const mp = parseMountPoint(key, String(cur.config[key]));
        cur.config[key] = printMountPoint(key, {
          ...mp.values,
          volume: createBase(node, mp.volume),
        });
      }
      cur.config.template = 1;
      sim.touch();
    },
  });
  // The API answers null even though a worker was forked.
  return null;
}

export function ctFeature(ctx: RequestContext): unknown {
  const { node, ct } = requestCt(ctx);
  const snapname = ctx.params.snapname as string | undefined;
  let conf = ct.config;
  if (snapname) {
    const snap = ct.snapshots?.[snapname];
    if (!snap) die(`snapshot '${snapname}' does not exist`);
    conf = snap;
  }
  return {
    hasFeature: ctHasFeature(node, ctx.params.feature as Feature, conf, snapname) ? 1 : 0,
  };
}
