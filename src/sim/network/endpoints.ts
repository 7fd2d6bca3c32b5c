/**
 * `/nodes/{node}/network` (pve-manager `PVE::API2::Network`, FACTS §4): edits are staged in
 * `interfaces.new` and only take effect when `PUT /network` runs the `srvreload` task.
 */
import type { EndpointDef, RequestContext } from '../types.js';
import { paramError, withAttribs } from '../types.js';
import type { NodeNetworkState } from './state.js';
import { createIface, deleteIface, updateIface } from './edits.js';
import type { IfaceTypeFilter } from './node-network.js';
import {
  currentConfig,
  ifaceView,
  ifreload,
  listIfaces,
  pendingChanges,
  promotePending,
  revertPending,
  stageConfig,
} from './node-network.js';
import { localVnets } from '../sdn/local-vnets.js';
import { createParams, ifaceParam, listTypeParam, nodeParam, updateParams } from './params.js';

const NODE_PATH = '/nodes/{node}';
const MODIFY = { path: NODE_PATH, privs: ['Sys.Modify'] } as const;
const AUDIT = { path: NODE_PATH, privs: ['Sys.Audit'] } as const;

/** Simulated run time of `ifreload -a` (on the sim clock, before the task time scale). */
export const RELOAD_DURATION_MS = 1500;

/** Keys that are API plumbing, not interface settings. */
const NOT_SETTINGS = new Set(['node', 'iface', 'delete']);

/** The schema's `requires` (address needs netmask, ...), which the core validator leaves to us. */
const REQUIRES: Record<string, string> = {
  address: 'netmask',
  address6: 'netmask6',
  netmask: 'address',
  netmask6: 'address6',
};

function network(ctx: RequestContext): NodeNetworkState {
  return ctx.sim.node(String(ctx.params.node)).network;
}

function settings(params: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(params)) if (!NOT_SETTINGS.has(k)) out[k] = v;
  checkRequires(out);
  return out;
}

function checkRequires(params: Record<string, unknown>): void {
  const errors: Record<string, string> = {};
  for (const [k, needs] of Object.entries(REQUIRES)) {
    if (params[k] !== undefined && params[needs] === undefined) {
      errors[needs] = `missing property required by '${k}'`;
    }
  }
  if (Object.keys(errors).length > 0) paramError(errors);
}

/**
 * Upstream hides bridges the caller may not use (`check_sdn_bridge` on the `localnetwork` zone:
 * SDN.Audit or SDN.Use), except for root@pam itself: a token without SDN privileges sees no bridges
 * at all. Tokens here carry a flat privilege set, so any grant counts.
 */
function maySeeBridges(ctx: RequestContext): boolean {
  if (ctx.caller.tokenId === undefined) return true; // tickets in the simulator are root@pam
  const privs = ctx.sim.state.tokens[ctx.caller.upidUser]?.privs ?? [];
  return privs.includes('*') || privs.includes('SDN.Audit') || privs.includes('SDN.Use');
}

function isBridge(type: unknown): boolean {
  return type === 'bridge' || type === 'OVSBridge';
}

function stage(ctx: RequestContext, edit: (net: NodeNetworkState) => void): null {
  edit(network(ctx));
  ctx.sim.touch();
  return null;
}

export const networkEndpoints: EndpointDef[] = [
  {
    method: 'GET',
    path: '/nodes/{node}/network',
    params: { node: nodeParam, type: listTypeParam },
    // `permissions => { user => 'all' }` upstream: any authenticated user may list
    returns: 'array',
    handler(ctx: RequestContext): unknown {
      const net = network(ctx);
      const filter = ctx.params.type as IfaceTypeFilter | undefined;
      const all = filter === 'vnet' ? [] : listIfaces(net, filter);
      // SDN vnets of the running config join only these three filters (pve-manager Network.pm)
      if (filter === 'vnet' || filter === 'any_bridge' || filter === 'include_sdn') {
        all.push(...localVnets(ctx.sim.state.sdn, String(ctx.params.node)).map((v) => ({ ...v })));
        all.sort((a, b) => String(a.iface).localeCompare(String(b.iface)));
      }
      const list = maySeeBridges(ctx) ? all : all.filter((d) => !isBridge(d.type));
      const changes = pendingChanges(net);
      return changes === undefined ? list : withAttribs(list, { changes });
    },
  },
  {
    method: 'POST',
    path: '/nodes/{node}/network',
    params: createParams,
    permission: MODIFY,
    returns: 'null',
    handler(ctx: RequestContext): unknown {
      const iface = String(ctx.params.iface);
      const p = settings(ctx.params);
      return stage(ctx, (net) => {
        stageConfig(net, createIface(currentConfig(net), iface, p), ctx.sim.clock.now());
      });
    },
  },
  {
    method: 'PUT',
    path: '/nodes/{node}/network',
    params: { node: nodeParam, 'regenerate-frr': { type: 'boolean', optional: true, default: 0 } },
    permission: MODIFY,
    returns: 'string',
    handler(ctx: RequestContext): unknown {
      const node = String(ctx.params.node);
      const net = network(ctx);
      // the worker renames interfaces.new at once; ifreload is what takes time
      promotePending(net);
      ctx.sim.touch();
      return ctx.sim.tasks.start({
        node,
        type: 'srvreload',
        id: 'networking',
        caller: ctx.caller,
        durationMs: RELOAD_DURATION_MS,
        run: () => {
          ifreload(ctx.sim.node(node).network);
          ctx.sim.touch();
        },
      });
    },
  },
  {
    method: 'DELETE',
    path: '/nodes/{node}/network',
    params: { node: nodeParam },
    permission: MODIFY,
    returns: 'null',
    handler(ctx: RequestContext): unknown {
      return stage(ctx, revertPending);
    },
  },
  {
    method: 'GET',
    path: '/nodes/{node}/network/{iface}',
    params: { node: nodeParam, iface: ifaceParam },
    permission: AUDIT,
    returns: 'object',
    handler(ctx: RequestContext): unknown {
      const net = network(ctx);
      const d = (net.pending ?? net.active)[String(ctx.params.iface)];
      if (!d) paramError({ iface: 'interface does not exist' });
      // the parsed record itself: only the list (hash_to_array) adds the `iface` key
      const { iface: _name, ...view } = ifaceView(net, d);
      return view;
    },
  },
  {
    method: 'PUT',
    path: '/nodes/{node}/network/{iface}',
    params: updateParams,
    permission: MODIFY,
    returns: 'null',
    handler(ctx: RequestContext): unknown {
      const iface = String(ctx.params.iface);
      const del = ctx.params.delete as string | undefined;
      const p = settings(ctx.params);
      return stage(ctx, (net) => {
        stageConfig(net, updateIface(currentConfig(net), iface, p, del), ctx.sim.clock.now());
      });
    },
  },
  {
    method: 'DELETE',
    path: '/nodes/{node}/network/{iface}',
    params: { node: nodeParam, iface: ifaceParam },
    permission: MODIFY,
    returns: 'null',
    handler(ctx: RequestContext): unknown {
      const iface = String(ctx.params.iface);
      return stage(ctx, (net) => {
        stageConfig(net, deleteIface(currentConfig(net), iface), ctx.sim.clock.now());
      });
    },
  },
];
