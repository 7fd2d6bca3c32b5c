/**
 * Read-only datacenter views: `GET /access/domains` (pve-access-control `PVE/API2/Domains.pm`
 * index over `domains.cfg`, whose defaults `pam` and `pve` come from `PVE/Auth/Plugin.pm`) and
 * `GET /cluster/options` (pve-manager `PVE/API2/Cluster.pm` get_options: `datacenter.cfg` as
 * parsed by pve-cluster `DataCenterConfig.pm`, plus `allowed-tags`).
 */
import type { EndpointDef, RequestContext } from '../types.js';
import type { SimState } from '../state.js';

const REALMS = [
  { realm: 'pam', type: 'pam', comment: 'Linux PAM standard authentication' },
  { realm: 'pve', type: 'pve', comment: 'Proxmox VE authentication server' },
];

/** The `datacenter.cfg` the simulator has: only `next-id` when it differs from the default. */
function datacenterConfig(state: SimState): Record<string, unknown> {
  const { lower, upper } = state.nextId;
  if (lower === 100 && upper === 1_000_000) return {};
  // parse_property_string keeps the values as the text they were written as.
  return { 'next-id': { lower: String(lower), upper: String(upper) } };
}

/** `get_allowed_tags` for a caller who may see every guest: every tag in use, sorted. */
function tagsInUse(state: SimState): string[] {
  const tags = new Set<string>();
  for (const n of Object.values(state.nodes))
    for (const ct of Object.values(n.lxc))
      for (const t of String(ct.config.tags ?? '').split(/[;, ]/)) if (t !== '') tags.add(t);
  return [...tags].sort();
}

export const datacenterEndpoints: EndpointDef[] = [
  {
    method: 'GET',
    path: '/access/domains',
    params: {},
    returns: 'array',
    // Perl walks a hash (random order); the simulator answers in a stable one.
    handler: (): unknown => REALMS.map((r) => ({ ...r })),
  },
  {
    method: 'GET',
    path: '/cluster/options',
    params: {},
    returns: 'object',
    handler: ({ sim }: RequestContext): unknown => ({
      ...datacenterConfig(sim.state),
      'allowed-tags': tagsInUse(sim.state),
    }),
  },
];
