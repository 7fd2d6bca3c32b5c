/**
 * Finding a container: the config read that tells "absent" apart from other failures, and the scan
 * that finds a container of ours whose VMID was never recorded (a crash between the create call and
 * recording it, or a lost store): `pxr` tag, same node and host name in the shared list, then the
 * marker in its config. Costs nothing when no such candidate exists.
 */
import { isPveApiError } from '../../pve/errors.js';
import { lxcReadConfig, type LxcConfigRead } from '../../pve/lxc.js';
import { markerOf, PXR_TAG } from './marker.js';
import type { GuestIndex } from './observe-cache.js';
import type { Pass } from './pass.js';

export async function readOrMissing(
  p: Pass,
  node: string,
  vmid: number,
): Promise<LxcConfigRead | undefined> {
  try {
    return await lxcReadConfig(p.sh.deps.pve, node, vmid);
  } catch (err) {
    if (isPveApiError(err, 'NOT_FOUND')) return undefined;
    throw err;
  }
}

export async function scanByMarker(p: Pass, idx: GuestIndex): Promise<number | undefined> {
  for (const e of idx.byVmid.values()) {
    if (e.type !== 'lxc' || e.node !== p.spec.node || e.name !== p.spec.hostname) continue;
    if (!e.tags.split(/[;,\s]+/).includes(PXR_TAG)) continue;
    const read = await readOrMissing(p, e.node, e.vmid);
    if (read && markerOf(read.current['description']) === p.obj.uid) return e.vmid;
  }
  return undefined;
}
