/**
 * `update_pct_config` with `vmconfig_hotplug_pending` (running CT) and `vmconfig_apply_pending`
 * (stopped CT, and on start): every change is written to `[pve:pending]` first, then applied when
 * it can be. Works on a copy, so a `die` half-way leaves the stored container untouched, like the
 * Perl code that dies before `write_config`. Storage side effects go through {@link VolumeOps}.
 */
import { die } from '../types.js';
import type { LxcState } from './state.js';
import { cleanupPending, descriptionReadBack, normalizeTags } from './config-file.js';
import {
  newDiskRequest,
  parseMountPoint,
  parseNet,
  printMountPoint,
  printNet,
} from './ct-formats.js';
import { parsePropertyString } from './property-string.js';
import { DEV_FORMAT } from './ct-formats.js';
import { configKeyType } from './params.js';

/** What config changes may do to storage. */
export interface VolumeOps {
  random: () => number;
  /** Allocates `STORAGE:SIZE_GB` for the container; returns the volid. */
  alloc: (storage: string, sizeBytes: number) => string;
  free: (volid: string) => void;
  /** Dies unless the volume's storage exists and allows `rootdir`. */
  checkRootdir: (volid: string) => void;
  /** The real size of a volume, for `rescan_volume`. */
  sizeOf: (volid: string) => number | undefined;
  /** Whether a bridge exists on the node (hot-plugging a NIC needs it). */
  bridgeUp: (bridge: string) => boolean;
}

/** Options applied to a running container at once (`$LXC_FASTPLUG_OPTIONS`). */
export const FASTPLUG = new Set([
  'description',
  'onboot',
  'startup',
  'protection',
  'hostname',
  'hookscript',
  'cores',
  'tags',
  'lock',
]);

/** A parameter value in the form it reads back from the config file (`check_type`). */
export function readBackValue(key: string, value: unknown): string | number {
  const type = configKeyType(key);
  if (key === 'description') return descriptionReadBack(String(value));
  if (type === 'integer' || type === 'boolean') return Number(value);
  return String(value);
}

function checkProtection(ct: LxcState, prefix: string): void {
  if (ct.config.protection) die(`${prefix} - protection mode enabled`);
}

function removePendingDelete(ct: LxcState, key: string): void {
  ct.pendingDelete = ct.pendingDelete.filter((k) => k !== key);
}

/** `add_unused_volume`: the lowest free `unusedN`, no duplicates. */
export function addUnusedVolume(ct: LxcState, volid: string): void {
  let free: string | undefined;
  for (let i = 255; i >= 0; i--) {
    const v = ct.config[`unused${i}`];
    if (v === volid) return;
    if (v === undefined) free = `unused${i}`;
  }
  if (free === undefined) die('Too many unused volumes - please delete them first.');
  ct.config[free] = volid;
}

/** `apply_pending_mountpoint`; returns false when it had to skip (running, existing mp). */
function applyPendingMountPoint(
  ct: LxcState,
  key: string,
  ops: VolumeOps,
  running: boolean,
): boolean {
  const mp = parseMountPoint(key, String(ct.pending[key]));
  const old = ct.config[key];
  const req = mp.type === 'volume' ? newDiskRequest(mp.volume) : undefined;
  if (req) {
    const size = Math.trunc(req.sizeGb * 1024) * 1024 * 1024;
    const volid = ops.alloc(req.storage, size);
    ct.pending[key] = printMountPoint(key, { ...mp.values, volume: volid, size });
  } else {
    if (running && old !== undefined) return false;
    const values = { ...mp.values };
    if (mp.type === 'volume') {
      const size = ops.sizeOf(mp.volume);
      if (size !== undefined) values.size = size;
    }
    ct.pending[key] = printMountPoint(key, values);
  }
  // Perl passes the whole mount point string to is_volume_in_use, so the old volume always
  // becomes unusedN.
  if (old !== undefined) {
    const oldMp = parseMountPoint(key, String(old));
    if (oldMp.type === 'volume') addUnusedVolume(ct, oldMp.volume);
  }
  return true;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** `vmconfig_hotplug_pending`: what a running container can take now. Mutates `ct`. */
export function hotplugPending(
  ct: LxcState,
  selection: Set<string> | undefined,
  ops: VolumeOps,
  errors: Record<string, string>,
): void {
  const inSel = (k: string): boolean => !selection || selection.has(k);
  for (const key of Object.keys(ct.pending).sort()) {
    if (inSel(key) && FASTPLUG.has(key)) {
      ct.config[key] = ct.pending[key] as string | number;
      delete ct.pending[key];
    }
  }
  for (const key of [...ct.pendingDelete].sort()) {
    if (!inSel(key)) continue;
    const hot =
      FASTPLUG.has(key) ||
      /^unused\d+$/.test(key) ||
      ['swap', 'cpulimit', 'cpuunits'].includes(key) ||
      /^net\d$/.test(key);
    if (!hot) continue;
    try {
      if (/^unused\d+$/.test(key)) ops.free(String(ct.config[key]));
      delete ct.config[key];
      removePendingDelete(ct, key);
    } catch (err) {
      errors[key] = `unable to hotplug ${key}: ${errorText(err)}`;
    }
  }
  for (const key of Object.keys(ct.pending).sort()) {
    if (!inSel(key)) continue;
    let value = ct.pending[key] as string | number;
    try {
      if (/^net\d+$/.test(key)) {
        const net = parseNet(String(value), ops.random);
        if (net.bridge !== undefined && !ops.bridgeUp(String(net.bridge)))
          throw new Error(`bridge '${String(net.bridge)}' does not exist`);
        value = printNet(net);
      } else if (/^mp\d+$/.test(key)) {
        if (!applyPendingMountPoint(ct, key, ops, true)) continue;
        value = ct.pending[key] as string | number;
      } else if (/^dev\d+$/.test(key)) {
        if (ct.config[key] !== undefined) continue;
      } else if (!['cpulimit', 'cpuunits', 'memory', 'swap'].includes(key)) {
        continue;
      }
      ct.config[key] = value;
      delete ct.pending[key];
    } catch (err) {
      errors[key] = `unable to hotplug ${key}: ${errorText(err)}`;
    }
  }
}

/** `vmconfig_apply_pending`: a stopped (or starting) container takes everything. Mutates `ct`. */
export function applyPending(
  ct: LxcState,
  selection: Set<string> | undefined,
  ops: VolumeOps,
  errors: Record<string, string>,
): void {
  const inSel = (k: string): boolean => !selection || selection.has(k);
  for (const key of [...ct.pendingDelete].sort()) {
    if (!inSel(key)) continue;
    try {
      const cur = ct.config[key];
      if (/^mp\d+$/.test(key) && cur !== undefined) {
        const mp = parseMountPoint(key, String(cur));
        if (mp.type === 'volume') addUnusedVolume(ct, mp.volume);
      } else if (/^unused\d+$/.test(key) && cur !== undefined) {
        ops.free(String(cur));
      }
      delete ct.config[key];
      removePendingDelete(ct, key);
    } catch (err) {
      errors[key] = `unable to apply pending change ${key} : ${errorText(err)}`;
    }
  }
  cleanupPending(ct);
  for (const key of Object.keys(ct.pending).sort()) {
    if (!inSel(key)) continue;
    try {
      if (/^mp\d+$/.test(key)) applyPendingMountPoint(ct, key, ops, false);
      else if (/^net\d+$/.test(key))
        ct.pending[key] = printNet(parseNet(String(ct.pending[key]), ops.random));
      ct.config[key] = ct.pending[key] as string | number;
      delete ct.pending[key];
    } catch (err) {
      errors[key] = `unable to apply pending change ${key} : ${errorText(err)}`;
    }
  }
}

export interface UpdateRequest {
  /** Config keys to set (already validated by the endpoint schema). */
  set: Record<string, unknown>;
  delete: readonly string[];
  revert: readonly string[];
}

/**
 * `update_pct_config` on a copy of `ct`. Returns the new container and the per-option errors the
 * API reports as a 400 after writing the config.
 * @throws PveError 500 for `unable to delete required option`, read-only options, protection.
 */
export function updateConfig(
  orig: LxcState,
  running: boolean,
  req: UpdateRequest,
  ops: VolumeOps,
): { ct: LxcState; errors: Record<string, string> } {
  const ct = structuredClone(orig);
  const vmid = ct.vmid;
  for (const key of req.revert) {
    delete ct.pending[key];
    removePendingDelete(ct, key);
  }
  const modified = new Set<string>();
  for (const key of req.delete) {
    // Perl only warns: "cannot delete 'x' - not set in current configuration!"
    if (ct.config[key] === undefined && ct.pending[key] === undefined) continue;
    modified.add(key);
    if (key === 'memory' || key === 'rootfs' || key === 'ostype')
      die(`unable to delete required option '${key}'`);
    if (/^(unused|mp)\d+$/.test(key)) checkProtection(ct, `can't remove CT ${vmid} drive '${key}'`);
    if (key === 'unprivileged') die(`unable to delete read-only option: '${key}'`);
    if (!ct.pendingDelete.includes(key)) ct.pendingDelete.push(key);
  }
  for (const key of Object.keys(req.set).sort()) {
    modified.add(key);
    let value = readBackValue(key, req.set[key]);
    if (/^mp\d+$/.test(key) || key === 'rootfs') {
      checkProtection(ct, `can't update CT ${vmid} drive '${key}'`);
      const mp = parseMountPoint(key, String(value));
      if (mp.type === 'volume') ops.checkRootdir(mp.volume);
    } else if (key === 'unprivileged') {
      die(`unable to modify read-only option: '${key}'`);
    } else if (key === 'tags') {
      value = normalizeTags(String(value));
    } else if (/^dev\d+$/.test(key)) {
      const dev = parsePropertyString(DEV_FORMAT, String(value));
      if (dev.path === undefined) die(`Path is not defined for passthrough device ${key}`);
    }
    ct.pending[key] = value;
    removePendingDelete(ct, key);
  }
  cleanupPending(ct);
  const errors: Record<string, string> = {};
  if (running) hotplugPending(ct, modified, ops, errors);
  else applyPending(ct, modified, ops, errors);
  ct.pendingDelete.sort();
  // An empty description writes no comment lines, so it does not read back at all.
  if (ct.config.description === '') delete ct.config.description;
  if (ct.pending.description === '') delete ct.pending.description;
  return { ct, errors };
}
