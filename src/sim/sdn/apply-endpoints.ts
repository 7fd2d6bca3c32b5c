/**
 * `/cluster/sdn` itself (pve-network `PVE::API2::Network::SDN`): apply (commit the edited config
 * as the running one, then reload every node's network in a `reloadnetworkall` task), and the
 * PVE 9 global lock and rollback.
 */
import type { EndpointDef, RequestContext, SimContext } from '../types.js';
import { DIE_AT, hasPendingChanges, lockSdnConfig, perlDie } from './config.js';
import { localVnets } from './local-vnets.js';
import { lockTokenParam, releaseLockParam } from './params.js';
import { sdnState, type SdnConfigSet } from './state.js';

const SDN_ALLOCATE = { path: '/sdn', privs: ['SDN.Allocate'] } as const;

/** Simulated run time of the reload on all nodes (sim clock, before the time scale). */
export const APPLY_DURATION_MS = 2000;

function copy(set: SdnConfigSet): SdnConfigSet {
  return structuredClone({ zones: set.zones, vnets: set.vnets, subnets: set.subnets });
}

/** `generate_lock_token`: a UUID v7 (time-ordered), from the sim clock and random source. */
function lockToken(sim: SimContext): string {
  const hex = sim.clock.now().toString(16).padStart(12, '0').slice(-12);
  let rand = '';
  for (let i = 0; i < 19; i++) rand += Math.floor(sim.random() * 16).toString(16);
  const variant = (Math.floor(sim.random() * 4) + 8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8)}-7${rand.slice(0, 3)}-${variant}${rand.slice(3, 6)}-${rand.slice(6, 18)}`;
}

export const applyEndpoints: EndpointDef[] = [
  {
    method: 'GET',
    path: '/cluster/sdn',
    params: {},
    permission: { path: '/sdn', privs: ['SDN.Audit'] },
    returns: 'array',
    handler: () =>
      ['vnets', 'zones', 'controllers', 'ipams', 'dns', 'fabrics'].map((id) => ({ id })),
  },
  {
    method: 'PUT',
    path: '/cluster/sdn',
    params: { 'lock-token': lockTokenParam, 'release-lock': releaseLockParam },
    permission: SDN_ALLOCATE,
    returns: 'string',
    handler({ sim, params, caller }: RequestContext): unknown {
      const token = params['lock-token'];
      lockSdnConfig(sim, 'could not commit SDN config', token, (sdn) => {
        sdn.running = { version: (sdn.running?.version ?? 0) + 1, ...copy(sdn.config) };
        if (typeof token === 'string' && token !== '' && params['release-lock'] !== 0) {
          sdn.lockToken = null;
        }
      });
      const nodes = Object.keys(sim.state.nodes).sort();
      return sim.tasks.start({
        node: nodes[0] ?? 'pve',
        type: 'reloadnetworkall',
        id: '',
        caller,
        durationMs: APPLY_DURATION_MS,
        run: (log) => {
          for (const node of nodes) {
            log(`${node}: reloading network config`);
            // each node's `srvreload` regenerates interfaces.d/sdn from the running config
            const net = sim.node(node).network;
            net.sdnUp = localVnets(sim.state.sdn, node).map((v) => v.iface);
            net.sdnVersion = sim.state.sdn?.running?.version;
          }
          sim.touch();
        },
      });
    },
  },
  {
    method: 'POST',
    path: '/cluster/sdn/lock',
    params: { 'allow-pending': { type: 'boolean', optional: true, default: 0 } },
    permission: SDN_ALLOCATE,
    returns: 'string',
    handler({ sim, params }: RequestContext): unknown {
      return lockSdnConfig(sim, 'could not acquire lock for SDN config', undefined, (sdn) => {
        if (params['allow-pending'] !== 1 && hasPendingChanges(sdn)) {
          perlDie('configuration has pending changes', DIE_AT.pendingChanges);
        }
        sdn.lockToken = lockToken(sim);
        return sdn.lockToken;
      });
    },
  },
  {
    method: 'DELETE',
    path: '/cluster/sdn/lock',
    params: {
      force: { type: 'boolean', optional: true, default: 0 },
      'lock-token': lockTokenParam,
    },
    permission: SDN_ALLOCATE,
    returns: 'null',
    handler({ sim, params }: RequestContext): unknown {
      if (params['force'] === 1) {
        // force skips the token check altogether
        sdnState(sim).lockToken = null;
        sim.touch();
        return null;
      }
      lockSdnConfig(sim, 'could not release lock', params['lock-token'], (sdn) => {
        sdn.lockToken = null;
      });
      return null;
    },
  },
  {
    method: 'POST',
    path: '/cluster/sdn/rollback',
    params: { 'lock-token': lockTokenParam, 'release-lock': releaseLockParam },
    permission: SDN_ALLOCATE,
    returns: 'null',
    handler({ sim, params }: RequestContext): unknown {
      const token = params['lock-token'];
      lockSdnConfig(sim, 'could not rollback SDN configuration', token, (sdn) => {
        sdn.config = sdn.running ? copy(sdn.running) : { zones: {}, vnets: {}, subnets: {} };
        if (typeof token === 'string' && token !== '' && params['release-lock'] !== 0) {
          sdn.lockToken = null;
        }
      });
      return null;
    },
  },
];
