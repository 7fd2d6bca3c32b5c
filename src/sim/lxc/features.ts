/**
 * `PVE::Storage::volume_has_feature` for the plugin types the simulator seeds, and
 * `PVE::LXC::Config::has_feature` over a container's mount points (pve-container
 * `PVE/LXC/Config.pm`): a bind or device mount point has no storage features.
 */
import type { NodeState } from '../state.js';
import { parseMountPoint } from './ct-formats.js';
import { splitVolid } from './volumes.js';

export type Feature = 'snapshot' | 'clone' | 'template' | 'copy';
type Key = 'current' | 'snap' | 'base';

/**
 * The `$features` tables: LvmThinPlugin.pm, ZFSPoolPlugin.pm, and Plugin.pm for directories (raw
 * and subvol files only: snapshots need qcow2, and an LXC clone refuses Plugin.pm's qcow2
 * linked clones).
 */
const FEATURES: Record<string, Record<Feature, Key[]>> = {
  lvmthin: {
    snapshot: ['current'],
    clone: ['base', 'snap'],
    template: ['current'],
    copy: ['base', 'current', 'snap'],
  },
  zfspool: {
    snapshot: ['current', 'snap'],
    clone: ['base'],
    template: ['current'],
    copy: ['base', 'current'],
  },
  dir: { snapshot: [], clone: [], template: ['current'], copy: ['base', 'current'] },
};

/** `parse_volname`'s `$isBase`: a template's volume (`base-100-disk-0`, `basevol-...`). */
export function isBaseVolume(volid: string): boolean {
  return /(^|\/)base(vol)?-\d+-disk-\d+/.test(splitVolid(volid)?.name ?? '');
}

export function volumeHasFeature(
  node: NodeState,
  feature: Feature,
  volid: string,
  snapname?: string,
): boolean {
  const v = splitVolid(volid);
  const st = v ? node.storages[v.storage] : undefined;
  if (!st) return false;
  const table =
    FEATURES[st.plugintype === 'nfs' || st.plugintype === 'cifs' ? 'dir' : st.plugintype];
  const key: Key = snapname ? 'snap' : isBaseVolume(volid) ? 'base' : 'current';
  return table?.[feature].includes(key) ?? false;
}

/** The mount points of a config (or snapshot) section: key and volume text. */
export function mountPoints(conf: Record<string, string | number>): [string, string][] {
  const res: [string, string][] = [];
  for (const key of Object.keys(conf).sort()) {
    if (key !== 'rootfs' && !/^mp\d+$/.test(key)) continue;
    res.push([key, parseMountPoint(key, String(conf[key])).volume]);
  }
  return res;
}

export function ctHasFeature(
  node: NodeState,
  feature: Feature,
  conf: Record<string, string | number>,
  snapname?: string,
): boolean {
  return mountPoints(conf).every(
    ([, volume]) => !volume.startsWith('/') && volumeHasFeature(node, feature, volume, snapname),
  );
}
