/**
 * VM disks on the simulated storages: `vdisk_alloc` with qemu-server's names (`vm-100-disk-0` on
 * block storages, `100/vm-100-disk-0.qcow2` on directories, `vm-100-cloudinit`), imports of an
 * uploaded cloud image (`import-from`) and copies for clones. The storage slice is the one the
 * LXC simulation uses (src/sim/lxc/volumes.ts).
 */
import { die, paramError } from '../types.js';
import type { NodeState, StorageState } from '../state.js';
import { getStorage, splitVolid } from '../lxc/volumes.js';

const GiB = 1024 ** 3;

function fileBased(s: StorageState): boolean {
  return ['dir', 'nfs', 'cifs', 'cephfs', 'glusterfs'].includes(s.plugintype);
}

function exists(s: StorageState, volid: string): boolean {
  return s.volumes[volid] !== undefined;
}

function diskVolid(s: StorageState, vmid: number, name: string): string {
  return fileBased(s) ? `${s.id}:${vmid}/${name}.qcow2` : `${s.id}:${name}`;
}

/** The storage of a new disk must hold `images` (400 on `storage`, as create's check). */
export function checkImagesStorage(node: NodeState, sid: string): StorageState {
  const s = getStorage(node, sid);
  if (!s.content.includes('images'))
    paramError({ storage: `storage '${sid}' does not support vm images` });
  return s;
}

function addVolume(s: StorageState, volid: string, size: number, vmid: number, now: number): void {
  s.volumes[volid] = {
    volid,
    content: 'images',
    format: fileBased(s) ? 'qcow2' : 'raw',
    size,
    ctime: Math.floor(now / 1000),
    vmid,
  };
  s.used += size;
}

/** `vdisk_alloc` of `sizeBytes` for `vmid`: the next free `vm-N-disk-K`. */
export function allocVmDisk(
  node: NodeState,
  sid: string,
  vmid: number,
  sizeBytes: number,
  now: number,
  base = false,
): string {
  const s = checkImagesStorage(node, sid);
  let n = 0;
  const name = (k: number): string => `${base ? 'base' : 'vm'}-${vmid}-disk-${k}`;
  while (
    exists(s, diskVolid(s, vmid, name(n))) ||
    exists(s, diskVolid(s, vmid, `${base ? 'vm' : 'base'}-${vmid}-disk-${n}`))
  )
    n++;
  const volid = diskVolid(s, vmid, name(n));
  addVolume(s, volid, sizeBytes, vmid, now);
  return volid;
}

/** The cloud-init drive `vm-N-cloudinit` (4 MiB), one per VM. */
export function allocCloudinit(node: NodeState, sid: string, vmid: number, now: number): string {
  const s = checkImagesStorage(node, sid);
  const volid = diskVolid(s, vmid, `vm-${vmid}-cloudinit`);
  if (exists(s, volid)) die(`unable to create image: volume '${volid}' already exists`);
  addVolume(s, volid, 4 * 1024 ** 2, vmid, now);
  return volid;
}

/**
 * The virtual size of an importable image. The simulator only knows the file size: a cloud image
 * is sparse, so its virtual size is taken as the next whole GiB of at least 2 GiB.
 */
export function importSize(node: NodeState, volid: string): number {
  const v = splitVolid(volid);
  const vol = v ? node.storages[v.storage]?.volumes[volid] : undefined;
  if (!vol) die(`could not get size of ${volid}`);
  if (vol.content === 'images') return vol.size;
  return Math.max(2 * GiB, Math.ceil(vol.size / GiB) * GiB);
}

/** The content type of an `import-from` source (400 on the drive unless images or import). */
export function checkImportSource(node: NodeState, key: string, volid: string): void {
  const v = splitVolid(volid);
  if (!v) return paramError({ [key]: `unable to parse volume ID '${volid}'` });
  getStorage(node, v.storage);
  const vtype = /^import\//.test(v.name)
    ? 'import'
    : /^iso\//.test(v.name)
      ? 'iso'
      : /^vztmpl\//.test(v.name)
        ? 'vztmpl'
        : 'images';
  if (vtype !== 'images' && vtype !== 'import')
    paramError({ [key]: `${volid} has wrong type '${vtype}' - needs to be 'images' or 'import'` });
}

/** `vm-100-disk-0` -> `base-100-disk-0` (`vdisk_create_base` when converting to a template). */
export function renameToBase(node: NodeState, volid: string): string {
  const v = splitVolid(volid);
  const s = v ? node.storages[v.storage] : undefined;
  const vol = s?.volumes[volid];
  if (!s || !vol || !/(^|[:/])vm-\d+-disk-\d+/.test(volid)) return volid;
  const next = volid.replace(/(^|[:/])vm-(\d+-disk-\d+)/, '$1base-$2');
  delete s.volumes[volid];
  s.volumes[next] = { ...vol, volid: next };
  return next;
}
