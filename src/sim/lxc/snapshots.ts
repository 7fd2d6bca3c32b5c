/**
 * Container snapshots, as pve-container `PVE/API2/LXC/Snapshot.pm` drives pve-guest-common
 * `PVE/AbstractConfig.pm` (`snapshot_create`, `snapshot_delete`, `snapshot_rollback`): each worker
 * takes its config lock (`snapshot`, `snapshot-delete`, `rollback`) when it starts and drops it
 * when it ends; the simulator does that first half in the request (an error there fails the task,
 * as in the worker) and the second half when the task's time is up.
 */
import type { RequestContext } from '../types.js';
import { die } from '../types.js';
import type { NodeState } from '../state.js';
import type { LxcState } from './state.js';
import { configDigest, descriptionReadBack } from './config-file.js';
import { addUnusedVolume } from './config-update.js';
import { ctHasFeature, mountPoints } from './features.js';
import { checkLock, loadCt, requestCt, takeConfigFlock } from './guests.js';
import { startCt, stopCt } from './lifecycle.js';
import { parseMountPoint } from './ct-formats.js';
import { resizeVolume, volumeSize } from './volumes.js';

type Section = Record<string, string | number>;

export const SNAPSHOT_DURATION_MS = { vzsnapshot: 1500, vzdelsnapshot: 1000, vzrollback: 2000 };

/** `__snapshot_copy_config`: everything but the snapshot bookkeeping, description and unusedN. */
function copyConfig(source: Section, dest: Section): void {
  const skip = new Set(['snapstate', 'snaptime', 'vmstate', 'lock', 'digest', 'description']);
  for (const [k, v] of Object.entries(source)) {
    if (skip.has(k) || /^unused\d+$/.test(k)) continue;
    dest[k] = v;
  }
}

function snapOf(ct: LxcState, name: string): Section {
  const snap = ct.snapshots?.[name];
  if (!snap) return die(`snapshot '${name}' does not exist`);
  return snap;
}

function lvLines(ct: Section, snapname: string, node: NodeState, verb: string): string[] {
  return mountPoints(ct)
    .filter(([, volume]) => node.storages[volume.split(':')[0] ?? '']?.plugintype === 'lvmthin')
    .map(
      ([, volume]) => `  Logical volume "snap_${volume.replace(/^.*:/, '')}_${snapname}" ${verb}.`,
    );
}

/** Runs `prepare` now; an error there becomes the task's error instead of the HTTP answer's. */
function prepareNow(prepare: () => void): Error | undefined {
  try {
    prepare();
    return undefined;
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
}

export function listSnapshots(ctx: RequestContext): unknown {
  const { ct } = requestCt(ctx);
  // Perl walks a hash; sorted by name here for stable answers.
  const res: Record<string, unknown>[] = Object.keys(ct.snapshots ?? {})
    .sort()
    .map((name) => {
      const d = ct.snapshots?.[name] ?? {};
      return {
        name,
        snaptime: Number(d.snaptime ?? 0),
        description: d.description ?? '',
        ...(d.parent !== undefined ? { parent: d.parent } : {}),
        ...(d.snapstate ? { snapstate: d.snapstate } : {}),
      };
    });
  res.push({
    name: 'current',
    digest: configDigest(ct),
    running: ct.status === 'running' ? 1 : 0,
    description: 'You are here!',
    ...(ct.config.parent !== undefined ? { parent: ct.config.parent } : {}),
  });
  return res;
}

export function createSnapshot(ctx: RequestContext): string {
  const { sim, params } = ctx;
  const node = sim.node(String(params.node));
  const vmid = Number(params.vmid);
  const snapname = String(params.snapname);
  if (snapname === 'current') die("unable to use snapshot name 'current' (reserved name)");
  if (snapname === 'vzdump') die("unable to use snapshot name 'vzdump' (reserved name)");
  const warnings: string[] = [];
  let prepared = false;
  // __snapshot_prepare
  const failed = prepareNow(() => {
    takeConfigFlock(sim, vmid);
    const ct = loadCt(node, vmid);
    if (ct.config.template) die("you can't take a snapshot if it's a template");
    checkLock(ct);
    const snapshots = ct.snapshots ?? {};
    if (snapshots[snapname]) die(`snapshot name '${snapname}' already used`);
    if (!ctHasFeature(node, 'snapshot', ct.config)) die('snapshot feature is not available');
    for (const name of Object.keys(snapshots).sort()) {
      const s = snapshots[name];
      if (s?.parent !== snapname) continue;
      warnings.push(
        `deleting parent '${snapname}' reference from '${name}' to avoid bogus snapshot cycle.`,
      );
      delete s.parent;
    }
    const snap: Section = {};
    copyConfig(ct.config, snap);
    snap.snapstate = 'prepare';
    snap.snaptime = Math.floor(sim.clock.now() / 1000);
    if (typeof params.description === 'string' && params.description !== '')
      snap.description = descriptionReadBack(params.description);
    ct.config.lock = 'snapshot';
    ct.snapshots = { ...snapshots, [snapname]: snap };
    prepared = true;
    sim.touch();
  });
  return sim.tasks.start({
    node: node.name,
    type: 'vzsnapshot',
    id: String(vmid),
    caller: ctx.caller,
    durationMs: SNAPSHOT_DURATION_MS.vzsnapshot,
    run(log) {
      if (failed) throw failed;
      for (const w of warnings) log(w);
      const ct = loadCt(node, vmid);
      for (const line of lvLines(ct.config, snapname, node, 'created')) log(line);
      // __snapshot_commit
      if (ct.config.lock !== 'snapshot') die('missing snapshot lock');
      const snap = snapOf(ct, snapname);
      if (snap.snapstate !== 'prepare') die('wrong snapshot state');
      delete snap.snapstate;
      delete ct.config.lock;
      ct.config.parent = snapname;
      sim.touch();
      return warnings.length > 0 ? { warnings: warnings.length } : undefined;
    },
    finally(ok) {
      if (ok || !prepared) return;
      // snapshot create failed: starting cleanup (snapshot_delete with force)
      const ct = node.lxc[String(vmid)];
      if (!ct) return;
      if (ct.snapshots) delete ct.snapshots[snapname];
      if (ct.config.lock === 'snapshot') delete ct.config.lock;
      sim.touch();
    },
  });
}

export function deleteSnapshot(ctx: RequestContext): string {
  const { sim, params } = ctx;
  const node = sim.node(String(params.node));
  const vmid = Number(params.vmid);
  const snapname = String(params.snapname);
  const failed = prepareNow(() => {
    takeConfigFlock(sim, vmid);
    const ct = loadCt(node, vmid);
    snapOf(ct, snapname);
    // set_lock: check_lock first; the template check comes after the lock is written.
    checkLock(ct);
    ct.config.lock = 'snapshot-delete';
    sim.touch();
    if (ct.config.template) die("you can't delete a snapshot if vm is a template");
    snapOf(ct, snapname).snapstate = 'delete';
  });
  return sim.tasks.start({
    node: node.name,
    type: 'vzdelsnapshot',
    id: String(vmid),
    caller: ctx.caller,
    durationMs: SNAPSHOT_DURATION_MS.vzdelsnapshot,
    run(log) {
      if (failed) throw failed;
      const ct = loadCt(node, vmid);
      if (ct.config.lock !== 'snapshot-delete')
        die("encountered invalid lock, expected 'snapshot-delete'");
      const snap = snapOf(ct, snapname);
      for (const line of lvLines(snap, snapname, node, 'successfully removed')) log(line);
      // unlink_parent: children of the deleted snapshot now hang off its parent.
      const relink = (conf: Section): void => {
        if (conf.parent !== snapname) return;
        if (snap.parent !== undefined) conf.parent = snap.parent;
        else delete conf.parent;
      };
      relink(ct.config);
      for (const [name, other] of Object.entries(ct.snapshots ?? {}))
        if (name !== snapname) relink(other);
      delete ct.snapshots?.[snapname];
      delete ct.config.lock;
      sim.touch();
    },
  });
}

export function rollbackSnapshot(ctx: RequestContext): string {
  const { sim, params } = ctx;
  const node = sim.node(String(params.node));
  const vmid = Number(params.vmid);
  const snapname = String(params.snapname);
  // The prepare pass of snapshot_rollback.
  const failed = prepareNow(() => {
    takeConfigFlock(sim, vmid);
    const ct = loadCt(node, vmid);
    if (ct.config.template) die("you can't rollback if vm is a template");
    const snap = snapOf(ct, snapname);
    if (snap.snapstate !== undefined)
      die(`unable to rollback to incomplete snapshot (snapstate = ${String(snap.snapstate)})`);
    checkLock(ct);
    // __snapshot_rollback_vm_stop
    if (ct.status === 'running') stopCt(ct);
    ct.config.lock = 'rollback';
    sim.touch();
  });
  return sim.tasks.start({
    node: node.name,
    type: 'vzrollback',
    id: String(vmid),
    caller: ctx.caller,
    durationMs: SNAPSHOT_DURATION_MS.vzrollback,
    run(log) {
      if (failed) throw failed;
      const ct = loadCt(node, vmid);
      const snap = snapOf(ct, snapname);
      if (ct.config.lock !== 'rollback') die('got wrong lock');
      delete ct.config.lock;
      // __snapshot_rollback_get_unused: volumes the snapshot does not know become unusedN.
      const inSnap = new Set(mountPoints(snap).map(([, v]) => v));
      for (const [, volume] of mountPoints(ct.config))
        if (!volume.startsWith('/') && !inSnap.has(volume)) addUnusedVolume(ct, volume);
      // __snapshot_apply_config: description and unusedN stay, pending changes are gone.
      const next: Section = {};
      for (const [k, v] of Object.entries(ct.config))
        if (k === 'description' || /^unused\d+$/.test(k)) next[k] = v;
      copyConfig(snap, next);
      next.parent = snapname;
      ct.config = next;
      ct.pending = {};
      ct.pendingDelete = [];
      // The volumes go back to the size they had.
      for (const [key] of mountPoints(snap)) {
        const mp = parseMountPoint(key, String(snap[key]));
        if (
          mp.type === 'volume' &&
          mp.size !== undefined &&
          volumeSize(node, mp.volume) !== undefined
        )
          resizeVolume(node, mp.volume, mp.size);
      }
      for (const line of lvLines(snap, snapname, node, 'merged')) log(line);
      sim.touch();
      if (params.start === 1) return { warnings: startCt(sim, node, ct, log) };
      return undefined;
    },
  });
}

export function getSnapshotConfig(ctx: RequestContext): unknown {
  const { ct } = requestCt(ctx);
  return { ...snapOf(ct, String(ctx.params.snapname)) };
}

export function putSnapshotConfig(ctx: RequestContext): null {
  const { sim, params } = ctx;
  if (typeof params.description !== 'string') return null;
  const { ct, vmid } = requestCt(ctx);
  takeConfigFlock(sim, vmid);
  checkLock(ct);
  const snap = snapOf(ct, String(params.snapname));
  if (params.description === '') delete snap.description;
  else snap.description = descriptionReadBack(params.description);
  sim.touch();
  return null;
}

/** `GET .../snapshot/{snapname}`: the fixed command index (the snapshot is not looked up). */
export function snapshotCmdIndex(): unknown {
  return [{ cmd: 'rollback' }, { cmd: 'config' }];
}

/** `vm_config` with `snapshot`: the section, with the file's digest. */
export function snapshotConfigView(ct: LxcState, snapname: string): Section {
  return { ...snapOf(ct, snapname), digest: configDigest(ct) };
}
