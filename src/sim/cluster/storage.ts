/** Node storage views: `/nodes/{node}/storage`, `.../{storage}/status`, `.../{storage}/content` (FACTS §9). */
import type { EndpointDef, RequestContext } from '../types.js';
import { die } from '../types.js';
import type { NodeState, StorageState } from '../state.js';
import { splitList } from '../formats.js';
import { nodeParam, optionalVmidParam, storageParam } from './params.js';

/** `perm /storage/{storage} [Datastore.Audit, Datastore.AllocateSpace] any`. */
const STORAGE_READ = {
  path: '/storage/{storage}',
  privs: ['Datastore.Audit', 'Datastore.AllocateSpace'],
};

function storageOf(node: NodeState, id: string): StorageState {
  const st = node.storages[id];
  if (!st) return die(`storage '${id}' does not exist`);
  return st;
}

function storageStatus(st: StorageState): Record<string, unknown> {
  const avail = st.total - st.used;
  return {
    storage: st.id,
    type: st.plugintype,
    content: [...st.content].sort().join(','),
    active: 1,
    enabled: 1,
    shared: st.shared,
    total: st.total,
    used: st.used,
    avail,
    used_fraction: st.total > 0 ? st.used / st.total : 0,
  };
}

export const storageEndpoints: EndpointDef[] = [
  {
    method: 'GET',
    path: '/nodes/{node}/storage',
    params: {
      node: nodeParam,
      content: { type: 'string', optional: true, format: 'pve-storage-content-list' },
      enabled: { type: 'boolean', optional: true, default: 0 },
      format: { type: 'boolean', optional: true, default: 0 },
      storage: { type: 'string', optional: true, format: 'pve-storage-id' },
      target: { type: 'string', optional: true, format: 'pve-node' },
    },
    returns: 'array',
    handler: ({ sim, params }: RequestContext): unknown => {
      const node = sim.node(params.node as string);
      const wanted = typeof params.content === 'string' ? splitList(params.content) : [];
      return Object.values(node.storages)
        .filter((st) => params.storage === undefined || st.id === params.storage)
        .filter((st) => wanted.length === 0 || wanted.some((c) => st.content.includes(c)))
        .map(storageStatus);
    },
  },
  {
    method: 'GET',
    path: '/nodes/{node}/storage/{storage}/status',
    params: { node: nodeParam, storage: storageParam },
    permission: STORAGE_READ,
    returns: 'object',
    handler: ({ sim, params }: RequestContext): unknown => {
      const { storage: _s, ...rest } = storageStatus(
        storageOf(sim.node(params.node as string), params.storage as string),
      );
      return rest;
    },
  },
  {
    method: 'GET',
    path: '/nodes/{node}/storage/{storage}/content',
    permission: STORAGE_READ,
    params: {
      node: nodeParam,
      storage: storageParam,
      content: { type: 'string', optional: true, format: 'pve-storage-content' },
      vmid: optionalVmidParam,
    },
    returns: 'array',
    handler: ({ sim, params }: RequestContext): unknown => {
      const st = storageOf(sim.node(params.node as string), params.storage as string);
      return Object.values(st.volumes)
        .filter((v) => params.content === undefined || v.content === params.content)
        .filter((v) => params.vmid === undefined || v.vmid === params.vmid)
        .sort((a, b) => (a.volid < b.volid ? -1 : a.volid > b.volid ? 1 : 0))
        .map((v) => ({
          volid: v.volid,
          content: v.content,
          format: v.format,
          size: v.size,
          ctime: v.ctime,
          ...(v.vmid !== undefined ? { vmid: v.vmid } : {}),
        }));
    },
  },
];
