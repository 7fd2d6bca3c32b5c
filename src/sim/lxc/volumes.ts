/**
 * Container volumes on the simulated storages (`state.nodes[n].storages[id].volumes`): allocation
 * with Proxmox's naming (`vm-100-disk-0` on LVM-thin, `100/vm-100-disk-0.raw` on directories,
 * `subvol-100-disk-0` on ZFS), freeing and resizing.
 */
import { die } from '../types.js';
import type { NodeState, StorageState } from '../state.js';

/** `storage_check_enabled` / `storage_config`: the storage or 500 `storage 'x' does not exist`. */
export function getStorage(node: NodeState, sid: string): StorageState {
  const s = node.storages[sid];
  if (!s) die(`storage '${sid}' does not exist`);
  return s;
}

/** `PVE::Storage::parse_volume_id`: `local:vztmpl/x.tar.zst` -> storage and name. */
export function splitVolid(volid: string): { storage: string; name: string } | undefined {
  const m = /^([a-z][a-z0-9\-_.]*[a-z0-9]):(.+)$/i.exec(volid);
  return m?.[1] && m[2] ? { storage: m[1], name: m[2] } : undefined;
}

export function volumeExists(node: NodeState, volid: string): boolean {
  const v = splitVolid(volid);
  return v !== undefined && node.storages[v.storage]?.volumes[volid] !== undefined;
}

function diskName(s: StorageState, vmid: number, n: number): string {
  if (s.plugintype === 'zfspool') return `${s.id}:subvol-${vmid}-disk-${n}`;
  if (s.plugintype === 'dir' || s.plugintype === 'nfs' || s.plugintype === 'cifs')
    return `${s.id}:${vmid}/vm-${vmid}-disk-${n}.raw`;
  return `${s.id}:vm-${vmid}-disk-${n}`;
}

/**
 * `alloc_disk`: a new volume of `sizeBytes` for `vmid` on storage `sid`.
 * @throws 500 when the storage does not exist or has no `rootdir` content.
 */
export function allocDisk(
  node: NodeState,
  sid: string,
  vmid: number,
  sizeBytes: number,
  now: number,
): string {
  const s = getStorage(node, sid);
  if (!s.content.includes('rootdir'))
    die(`content type 'rootdir' is not available or configured on storage '${sid}'`);
  let n = 0;
  while (Object.values(s.volumes).some((v) => v.volid === diskName(s, vmid, n))) n++;
  const volid = diskName(s, vmid, n);
  s.volumes[volid] = {
    volid,
    content: 'rootdir',
    format: s.plugintype === 'zfspool' ? 'subvol' : 'raw',
    size: sizeBytes,
    ctime: Math.floor(now / 1000),
    vmid,
  };
  s.used += sizeBytes;
  return volid;
}

/** `vdisk_free`: removes the volume if it exists (a missing one is not an error, as in destroy). */
export function freeVolume(node: NodeState, volid: string): void {
  const v = splitVolid(volid);
  const s = v ? node.storages[v.storage] : undefined;
  const vol = s?.volumes[volid];
  if (!s || !vol) return;
  s.used = Math.max(0, s.used - vol.size);
  delete s.volumes[volid];
}

/** Current size of a volume in bytes, if the simulator knows it. */
export function volumeSize(node: NodeState, volid: string): number | undefined {
  const v = splitVolid(volid);
  return v ? node.storages[v.storage]?.volumes[volid]?.size : undefined;
}

export function resizeVolume(node: NodeState, volid: string, sizeBytes: number): void {
  const v = splitVolid(volid);
  const s = v ? node.storages[v.storage] : undefined;
  const vol = s?.volumes[volid];
  if (!s || !vol) die(`volume '${volid}' does not exist`);
  s.used += sizeBytes - vol.size;
  vol.size = sizeBytes;
}

/** Volumes of `vmid` on this node's storages (for `destroy-unreferenced-disks`). */
export function volumesOwnedBy(node: NodeState, vmid: number): string[] {
  const res: string[] = [];
  for (const s of Object.values(node.storages)) {
    for (const v of Object.values(s.volumes))
      if (v.vmid === vmid && v.content !== 'vztmpl') res.push(v.volid);
  }
  return res;
}
