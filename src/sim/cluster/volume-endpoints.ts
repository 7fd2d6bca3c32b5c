/**
 * One volume of a node's storage: `GET` (volume attributes) and `DELETE` (an `imgdel` worker) of
 * `/nodes/{node}/storage/{storage}/content/{volume}`, as pve-storage
 * `PVE/API2/Storage/Content.pm` `info` and `delete` do it. The volume may be given as a full
 * volume id or as a name on `{storage}` (`$real_volume_id`).
 */
import type { EndpointDef, RequestContext } from '../types.js';
import { die, paramError } from '../types.js';
import type { NodeState, StorageState } from '../state.js';
import { nodeParam } from './params.js';

const STORAGE_OPT = { type: 'string', optional: true, format: 'pve-storage-id' } as const;
const VOLUME = { type: 'string' } as const;
const IMGDEL_MS = 500;

/** `$real_volume_id`: a volume id (with a storage that must agree) or a name on `storage`. */
function realVolumeId(
  storage: string | undefined,
  volume: string,
): { volid: string; storeid: string } {
  if (volume.includes(':')) {
    const m = /^([a-z][a-z0-9\-_.]*[a-z0-9]):(.+)$/i.exec(volume);
    if (!m?.[1]) return paramError({ volume: `unable to parse volume ID '${volume}'\n` });
    if (storage !== undefined && m[1] !== storage)
      return paramError({ volume: `storage ID mismatch (${m[1]} != ${storage})\n` });
    return { volid: volume, storeid: m[1] };
  }
  if (storage === undefined)
    return paramError({ volume: 'no storage specified - incomplete volume ID' });
  return { volid: `${storage}:${volume}`, storeid: storage };
}

function storageOf(node: NodeState, id: string): StorageState {
  const st = node.storages[id];
  if (!st) return die(`storage '${id}' does not exist`);
  return st;
}

/** `PVE::Storage::path` for the plugin types the simulator seeds. */
export function volumePath(st: StorageState, volid: string): string {
  const name = volid.slice(volid.indexOf(':') + 1);
  if (st.plugintype === 'lvmthin' || st.plugintype === 'lvm') return `/dev/pve/${name}`;
  if (st.plugintype === 'zfspool') return `/rpool/data/${name}`;
  const base = st.id === 'local' ? '/var/lib/vz' : `/mnt/pve/${st.id}`;
  const m = /^(vztmpl|iso|backup|snippets|import)\/(.+)$/.exec(name);
  if (!m) return `${base}/images/${name}`;
  const dir = { vztmpl: 'template/cache', iso: 'template/iso', backup: 'dump' }[m[1] as string];
  return `${base}/${dir ?? m[1]}/${m[2]}`;
}

function volumeInfo({ sim, params }: RequestContext): unknown {
  const node = sim.node(params.node as string);
  const { volid, storeid } = realVolumeId(
    params.storage as string | undefined,
    params.volume as string,
  );
  const st = storageOf(node, storeid);
  const vol = st.volumes[volid];
  // volume_size_info finds no file to stat: no format.
  if (!vol) return die(`volume_size_info on '${volid}' failed - no format`);
  // Directory files report their allocation; thin LVs and templates report no usage here.
  const used = st.plugintype === 'dir' ? vol.size : 0;
  return { path: volumePath(st, volid), size: vol.size, used, format: vol.format };
}

async function deleteVolume(ctx: RequestContext): Promise<unknown> {
  const { sim, params } = ctx;
  const node = sim.node(params.node as string);
  const { volid, storeid } = realVolumeId(
    params.storage as string | undefined,
    params.volume as string,
  );
  const st = storageOf(node, storeid);
  const owner = st.volumes[volid]?.vmid;
  const path = volumePath(st, volid);
  const upid = sim.tasks.start({
    node: node.name,
    type: 'imgdel',
    id: owner !== undefined ? `${owner}@${storeid}` : storeid,
    caller: ctx.caller,
    durationMs: IMGDEL_MS,
    run(log) {
      const vol = st.volumes[volid];
      if (!vol) {
        // free_image warns and returns; the worker still prints its line.
        log(`disk image '${path}' does not exist`);
        log(`Removed volume '${volid}'`);
        return { warnings: 1 };
      }
      st.used = Math.max(0, st.used - vol.size);
      delete st.volumes[volid];
      sim.touch();
      log(`Removed volume '${volid}'`);
      return undefined;
    },
  });
  const delay = params.delay as number | undefined;
  if (delay === undefined) return upid;
  // With `delay` the API waits up to that long and answers null when the worker ended well.
  const rec = sim.state.tasks.find((t) => t.upid === upid);
  const wait = Math.min(delay * 1000, Math.max(0, (rec?.endsAt ?? 0) - sim.clock.now()));
  await sim.clock.sleep(wait);
  sim.tasks.settle();
  if (!rec || rec.status === 'running') return upid;
  const status = rec.exitstatus ?? '';
  if (status === 'OK' || status.startsWith('WARNINGS')) return null;
  return die(status);
}

export const volumeEndpoints: EndpointDef[] = [
  {
    method: 'GET',
    path: '/nodes/{node}/storage/{storage}/content/{volume}',
    params: { node: nodeParam, storage: STORAGE_OPT, volume: VOLUME },
    returns: 'object',
    handler: volumeInfo,
  },
  {
    method: 'DELETE',
    path: '/nodes/{node}/storage/{storage}/content/{volume}',
    params: {
      delay: { type: 'integer', optional: true, minimum: 1, maximum: 30 },
      node: nodeParam,
      storage: STORAGE_OPT,
      volume: VOLUME,
    },
    returns: 'string',
    handler: deleteVolume,
  },
];
