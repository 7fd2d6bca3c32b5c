/**
 * `GET /storage` and `GET /storage/{storage}` (pve-storage `PVE/API2/Storage/Config.pm` index and
 * read): the `storage.cfg` section of each storage with `storage`, the file's `digest` and
 * `content` as a comma list. The simulator keeps storages per node; the cluster-wide file is the
 * union over nodes (the first node defining an id wins).
 */
import { createHash } from 'node:crypto';
import type { EndpointDef, RequestContext } from '../types.js';
import { die } from '../types.js';
import type { SimState, StorageState } from '../state.js';
import { storageParam } from './params.js';

const TYPES = [
  'btrfs',
  'cephfs',
  'cifs',
  'dir',
  'esxi',
  'iscsi',
  'iscsidirect',
  'lvm',
  'lvmthin',
  'nfs',
  'pbs',
  'rbd',
  'zfs',
  'zfspool',
];

/** The type-specific keys a default install writes (`local` dir, `local-lvm` lvmthin). */
function typeKeys(st: StorageState): Record<string, string | number> {
  switch (st.plugintype) {
    case 'dir':
      return { path: st.id === 'local' ? '/var/lib/vz' : `/mnt/pve/${st.id}` };
    case 'lvmthin':
      return { thinpool: 'data', vgname: 'pve' };
    case 'zfspool':
      return { pool: 'rpool/data', sparse: 1 };
    case 'nfs':
    case 'cifs':
      return { path: `/mnt/pve/${st.id}` };
    default:
      return {};
  }
}

function sections(state: SimState): Record<string, string | number>[] {
  const seen = new Map<string, Record<string, string | number>>();
  for (const n of Object.values(state.nodes)) {
    for (const st of Object.values(n.storages)) {
      if (seen.has(st.id)) continue;
      seen.set(st.id, {
        type: st.plugintype,
        ...typeKeys(st),
        // content_hash_to_string joins hash keys (random order); sorted here for stable answers.
        content: [...st.content].sort().join(',') || 'none',
        ...(st.shared ? { shared: 1 } : {}),
        storage: st.id,
      });
    }
  }
  return [...seen.values()];
}

/** SHA-1 of the rendered file, as `cfs_read_file` digests `storage.cfg`. */
function digestOf(list: Record<string, string | number>[]): string {
  const text = list
    .map(({ type, storage, ...rest }) =>
      [
        `${String(type)}: ${String(storage)}`,
        ...Object.entries(rest).map(([k, v]) => `\t${k} ${String(v)}`),
      ].join('\n'),
    )
    .join('\n\n');
  return createHash('sha1').update(`${text}\n`).digest('hex');
}

function withDigest(state: SimState): Record<string, string | number>[] {
  const list = sections(state);
  const digest = digestOf(list);
  return list.map((s) => ({ ...s, digest }));
}

export const storageConfigEndpoints: EndpointDef[] = [
  {
    method: 'GET',
    path: '/storage',
    params: { type: { type: 'string', optional: true, enum: TYPES } },
    returns: 'array',
    handler: ({ sim, params }: RequestContext): unknown =>
      withDigest(sim.state).filter((s) => params.type === undefined || s.type === params.type),
  },
  {
    method: 'GET',
    path: '/storage/{storage}',
    params: { storage: storageParam },
    permission: { path: '/storage/{storage}', privs: ['Datastore.Allocate'] },
    returns: 'object',
    handler: ({ sim, params }: RequestContext): unknown => {
      const found = withDigest(sim.state).find((s) => s.storage === params.storage);
      // PVE::Storage::storage_config
      if (!found) die(`storage '${String(params.storage)}' does not exist`);
      return found;
    },
  },
];
