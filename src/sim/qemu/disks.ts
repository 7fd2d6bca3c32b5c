/**
 * `create_disks` and its synchronous checks (`$check_drive_param`, `$check_storage_access`): new
 * disks `STORAGE:SIZE_GiB`, cloud-init drives `STORAGE:cloudinit`, imports
 * `STORAGE:0,import-from=<volid>` and existing volumes.
 */
import { die, paramError } from '../types.js';
import type { NodeState } from '../state.js';
import { splitVolid, volumeExists, volumeSize, freeVolume } from '../lxc/volumes.js';
import { formatSize } from '../lxc/property-string.js';
import {
  isCdrom,
  isDriveKey,
  newVolumeRequest,
  parseDrive,
  printDrive,
  type Drive,
} from './props.js';
import {
  allocCloudinit,
  allocVmDisk,
  checkImagesStorage,
  checkImportSource,
  importSize,
} from './volumes.js';

const GiB = 1024 ** 3;

/** The synchronous checks of every drive parameter; throws the 400/500 Proxmox answers. */
export function checkDriveParams(node: NodeState, params: Record<string, unknown>): void {
  for (const key of Object.keys(params).sort()) {
    if (!isDriveKey(key)) continue;
    const d = parseDrive(key, String(params[key]));
    const req = newVolumeRequest(d.file);
    const importFrom = d.props['import-from'];
    if (importFrom !== undefined) {
      if (!req || req.size === 'cloudinit' || Number(req.size) !== 0)
        paramError({
          [key]: "'import-from' requires special syntax - use <storage ID>:0,import-from=<source>",
        });
      if (key === 'efidisk0')
        for (const required of ['efitype', 'pre-enrolled-keys'])
          if (d.props[required] === undefined)
            paramError({ [key]: `need to specify '${required}' when using 'import-from'` });
      checkImportSource(node, key, importFrom);
    }
    if (d.file === 'none' || d.file === 'cdrom') continue;
    if (req && !isCdrom(d)) {
      checkImagesStorage(node, req.storage);
    } else if (req?.size === 'cloudinit') {
      checkImagesStorage(node, req.storage);
    } else if (splitVolid(d.file)) {
      if (!volumeExists(node, d.file)) die(`volume '${d.file}' does not exist`);
      const name = splitVolid(d.file)?.name ?? '';
      if (/^(vztmpl|import|backup|snippets)\//.test(name))
        paramError({ [key]: "content type needs to be 'images' or 'iso'" });
    }
  }
}

/**
 * Allocates the new volumes of drive parameters (mutating `params` to the written values) and
 * returns the new volids, so a failure can free them.
 */
export function createDisks(
  node: NodeState,
  vmid: number,
  params: Record<string, unknown>,
  now: number,
  log: (line: string) => void,
  template = false,
): string[] {
  const created: string[] = [];
  try {
    for (const key of Object.keys(params).sort()) {
      if (!isDriveKey(key)) continue;
      const d: Drive = parseDrive(key, String(params[key]));
      const req = newVolumeRequest(d.file);
      if (req?.size === 'cloudinit') {
        const volid = allocCloudinit(node, req.storage, vmid, now);
        created.push(volid);
        params[key] = printDrive({ file: volid, props: { ...d.props, media: 'cdrom' } });
        continue;
      }
      if (req && !isCdrom(d)) {
        const importFrom = d.props['import-from'];
        let size: number;
        if (importFrom !== undefined) {
          size = importSize(node, importFrom);
          log(`importing disk '${importFrom}' to VM ${vmid} ...`);
        } else if (key === 'efidisk0') {
          size = d.props.efitype === '4m' ? 4 * 1024 ** 2 : 528 * 1024;
        } else if (key === 'tpmstate0') {
          size = 4 * 1024 ** 2;
        } else {
          size = Math.round(Number(req.size) * GiB);
        }
        const volid = allocVmDisk(node, req.storage, vmid, size, now, template);
        created.push(volid);
        log(`  Logical volume "${volid.replace(/^.*[:/]/, '')}" created.`);
        if (importFrom !== undefined) log(`Successfully imported disk as '${key}:${volid}'`);
        const props: Record<string, string> = { ...d.props, size: formatSize(size) };
        delete props['import-from'];
        params[key] = printDrive({ file: volid, props });
        continue;
      }
      if (splitVolid(d.file) && !isCdrom(d)) {
        const size = volumeSize(node, d.file);
        if (size !== undefined) d.props.size = formatSize(size);
      }
      params[key] = printDrive(d);
    }
  } catch (err) {
    for (const volid of created) freeVolume(node, volid);
    throw err;
  }
  return created;
}
