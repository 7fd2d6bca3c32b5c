/**
 * Resource pools (pve-manager `PVE/API2/Pool.pm`, the `/pools` index with its `poolid` and `type`
 * filters) and the `check_pool_exist` of pve-access-control `PVE/RPCEnvironment.pm`: a pool that
 * does not exist is a 403 `Permission check failed (pool 'x' does not exist)`.
 */
import type { EndpointDef, RequestContext, SimContext } from '../types.js';
import { die, PveError } from '../types.js';
import type { PoolState, SimState } from '../state.js';
import { splitList } from '../formats.js';
import './formats.js';

const POOLID = { type: 'string', format: 'pve-poolid' } as const;
const ALLOCATE = { path: '/pool/{poolid}', privs: ['Pool.Allocate'] } as const;

function pools(state: SimState): Record<string, PoolState> {
  state.pools ??= {};
  return state.pools;
}

/** `check_pool_exist`: raise_perm_exc, so HTTP 403. */
export function checkPoolExist(sim: SimContext, pool: string): void {
  if (!sim.state.pools?.[pool])
    throw new PveError(403, `Permission check failed (pool '${pool}' does not exist)\n`);
}

/** `add_vm_to_pool` (after a create or clone): silently nothing when the pool is gone. */
export function addVmToPool(sim: SimContext, vmid: number, pool: string): void {
  const p = sim.state.pools?.[pool];
  if (!p || p.vms.includes(vmid)) return;
  p.vms = [...p.vms, vmid].sort((a, b) => a - b);
  sim.touch();
}

/** `remove_vm_from_pool` (destroy with or without purge drops the guest from its pool). */
export function removeVmFromPools(sim: SimContext, vmid: number): void {
  for (const p of Object.values(sim.state.pools ?? {})) p.vms = p.vms.filter((v) => v !== vmid);
}

/** `lock_user_config($code, $errmsg)`: an error inside is re-thrown as `$errmsg: $err`. */
function lockedUserConfig(errmsg: string, code: () => void): void {
  try {
    code();
  } catch (err) {
    if (err instanceof PveError && err.status === 500) die(`${errmsg}: ${err.message}`);
    throw err;
  }
}

function guestType(
  sim: SimContext,
  vmid: number,
): { type: 'lxc' | 'qemu'; node: string } | undefined {
  for (const n of Object.values(sim.state.nodes)) {
    if (n.lxc[String(vmid)]) return { type: 'lxc', node: n.name };
    if (n.qemu?.[String(vmid)]) return { type: 'qemu', node: n.name };
  }
  return undefined;
}

function members(sim: SimContext, pool: PoolState, type: unknown): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const vmid of pool.vms) {
    const g = guestType(sim, vmid);
    if (!g || (type !== undefined && type !== g.type)) continue;
    out.push({ id: `${g.type}/${vmid}`, type: g.type, vmid, node: g.node });
  }
  if (type === undefined || type === 'storage') {
    const first = Object.values(sim.state.nodes)[0];
    for (const sid of pool.storage) {
      if (!first?.storages[sid]) continue;
      out.push({
        id: `storage/${first.name}/${sid}`,
        type: 'storage',
        storage: sid,
        node: first.name,
      });
    }
  }
  return out;
}

function listPools({ sim, params }: RequestContext): unknown {
  const all = sim.state.pools ?? {};
  const poolid = params.poolid as string | undefined;
  // `type` is declared `requires => 'poolid'`.
  if (params.type !== undefined && poolid === undefined)
    throw new PveError(400, 'Parameter verification failed.\n', {
      poolid: "missing property required by 'type'",
    });
  if (poolid !== undefined) {
    const p = all[poolid];
    if (!p) die(`pool '${poolid}' does not exist`);
    return [
      {
        members: members(sim, p, params.type),
        ...(p.comment !== undefined ? { comment: p.comment } : {}),
        poolid,
      },
    ];
  }
  return Object.keys(all)
    .sort()
    .map((id) => ({
      poolid: id,
      ...(all[id]?.comment !== undefined ? { comment: all[id]?.comment } : {}),
    }));
}

function createPool({ sim, params }: RequestContext): null {
  lockedUserConfig('create pool failed', () => {
    const all = pools(sim.state);
    const pool = params.poolid as string;
    if (all[pool]) die(`pool '${pool}' already exists`);
    const m = /^(.*)\/([^/]+)$/.exec(pool);
    if (m?.[1] !== undefined && m[2] !== undefined) {
      if (!all[m[1]]) die(`parent '${m[1]}' of pool '${pool}' does not exist`);
      if (!/^[A-Za-z]/.test(m[2])) die('pool name must start with a letter');
    } else if (!/^[A-Za-z]/.test(pool)) die('pool name must start with a letter');
    const comment = params.comment;
    all[pool] = {
      vms: [],
      storage: [],
      ...(typeof comment === 'string' && comment !== '' ? { comment } : {}),
    };
    sim.touch();
  });
  return null;
}

function updatePool({ sim, params }: RequestContext): null {
  lockedUserConfig('update pools failed', () => {
    const all = pools(sim.state);
    const pool = params.poolid as string;
    const cfg = all[pool];
    if (!cfg) die(`pool '${pool}' does not exist`);
    const next: PoolState = { ...cfg, vms: [...cfg.vms], storage: [...cfg.storage] };
    if (typeof params.comment === 'string') next.comment = params.comment;
    const del = params.delete === 1;
    for (const v of typeof params.vms === 'string' ? splitList(params.vms) : []) {
      const vmid = Number(v);
      if (del) {
        if (!next.vms.includes(vmid)) die(`VM ${vmid} is not a pool member`);
        next.vms = next.vms.filter((x) => x !== vmid);
        continue;
      }
      if (next.vms.includes(vmid)) die(`VM ${vmid} is already a pool member`);
      const existing = Object.keys(all).find((id) => id !== pool && all[id]?.vms.includes(vmid));
      if (existing !== undefined) {
        if (params['allow-move'] !== 1)
          die(`VM ${vmid} belongs already to pool '${existing}' and 'allow-move' is not set`);
        const old = all[existing];
        if (old) old.vms = old.vms.filter((x) => x !== vmid);
      }
      next.vms.push(vmid);
    }
    for (const sid of typeof params.storage === 'string' ? splitList(params.storage) : []) {
      if (del) {
        if (!next.storage.includes(sid)) die(`Storage '${sid}' is not a pool member`);
        next.storage = next.storage.filter((x) => x !== sid);
      } else {
        if (next.storage.includes(sid)) die(`Storage '${sid}' is already a pool member`);
        next.storage.push(sid);
      }
    }
    next.vms.sort((a, b) => a - b);
    next.storage.sort();
    // cfs_write_file happens only after every member was accepted.
    all[pool] = next;
    sim.touch();
  });
  return null;
}

function deletePool({ sim, params }: RequestContext): null {
  lockedUserConfig('delete pool failed', () => {
    const all = pools(sim.state);
    const pool = params.poolid as string;
    const cfg = all[pool];
    if (!cfg) die(`pool '${pool}' does not exist`);
    const sub = Object.keys(all)
      .filter((id) => id.startsWith(`${pool}/`))
      .sort()[0];
    if (sub !== undefined) die(`pool '${pool}' is not empty (contains pool '${sub}')`);
    // Destroyed guests and removed storages do not keep a pool alive.
    for (const vmid of cfg.vms)
      if (guestType(sim, vmid)) die(`pool '${pool}' is not empty (contains VM ${vmid})`);
    for (const sid of cfg.storage)
      if (Object.values(sim.state.nodes).some((n) => n.storages[sid]))
        die(`pool '${pool}' is not empty (contains storage '${sid}')`);
    delete all[pool];
    sim.touch();
  });
  return null;
}

export const poolEndpoints: EndpointDef[] = [
  {
    method: 'GET',
    path: '/pools',
    params: {
      poolid: { ...POOLID, optional: true },
      type: { type: 'string', optional: true, enum: ['qemu', 'lxc', 'storage'] },
    },
    returns: 'array',
    handler: listPools,
  },
  {
    method: 'POST',
    path: '/pools',
    params: { comment: { type: 'string', optional: true }, poolid: POOLID },
    permission: ALLOCATE,
    returns: 'null',
    handler: createPool,
  },
  {
    method: 'PUT',
    path: '/pools',
    params: {
      'allow-move': { type: 'boolean', optional: true, default: 0 },
      comment: { type: 'string', optional: true },
      delete: { type: 'boolean', optional: true, default: 0 },
      poolid: POOLID,
      storage: { type: 'string', optional: true, format: 'pve-storage-id-list' },
      vms: { type: 'string', optional: true, format: 'pve-vmid-list' },
    },
    permission: ALLOCATE,
    returns: 'null',
    handler: updatePool,
  },
  {
    method: 'DELETE',
    path: '/pools',
    params: { poolid: POOLID },
    permission: ALLOCATE,
    returns: 'null',
    handler: deletePool,
  },
];
