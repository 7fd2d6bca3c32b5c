/** Reading a VM's config, telling "absent" apart from other failures. */
import { isPveApiError } from '../../pve/errors.js';
import { qemuReadConfig, type QemuConfigRead } from '../../pve/qemu.js';
import type { Pass } from './pass.js';

export async function readOrMissing(
  p: Pass,
  node: string,
  vmid: number,
): Promise<QemuConfigRead | undefined> {
  try {
    return await qemuReadConfig(p.sh.deps.pve, node, vmid);
  } catch (err) {
    if (isPveApiError(err, 'NOT_FOUND')) return undefined;
    // A VMID that is a container answers `Configuration file ... does not exist` as a 500.
    if (isPveApiError(err) && /does not exist/.test(err.pveMessage)) return undefined;
    throw err;
  }
}
