/**
 * `GET .../firewall/refs`: the IP sets and aliases a rule's source/dest may name, as
 * pve-firewall's Helpers.pm `collect_refs` lists them (`+name` for sets, scope `dc` or `guest`).
 * Perl walks hash keys in random order; the simulator sorts them.
 */
import type { EndpointDef, RequestContext } from '../types.js';
import type { FirewallState } from './state.js';
import { clusterSetScope, guestSetScope, type GuestKind, type SetScope } from './scope.js';

interface Ref {
  type: 'alias' | 'ipset';
  name: string;
  ref: string;
  scope: string;
  comment?: string;
}

export function collectRefs(
  conf: Pick<FirewallState, 'ipsets' | 'aliases'>,
  type: unknown,
  scope: string,
): Ref[] {
  const out: Ref[] = [];
  if (type === undefined || type === 'ipset') {
    for (const name of Object.keys(conf.ipsets).sort()) {
      const comment = conf.ipsets[name]?.comment;
      out.push({ type: 'ipset', name, ref: `+${name}`, scope, ...(comment ? { comment } : {}) });
    }
  }
  if (type === undefined || type === 'alias') {
    for (const name of Object.keys(conf.aliases).sort()) {
      const comment = conf.aliases[name]?.comment;
      out.push({ type: 'alias', name, ref: name, scope, ...(comment ? { comment } : {}) });
    }
  }
  return out;
}

function refsEndpoint(scope: SetScope): EndpointDef {
  return {
    method: 'GET',
    path: `${scope.prefix}/refs`,
    params: {
      ...scope.params,
      type: { type: 'string', enum: ['alias', 'ipset'], optional: true },
    },
    permission: scope.audit,
    returns: 'array',
    handler: ({ sim, params }: RequestContext): unknown => {
      const dc = collectRefs(sim.state.firewall, params['type'], 'dc');
      if (scope.env === 'cluster') return dc;
      return [...dc, ...collectRefs(scope.conf(sim, params, false), params['type'], 'guest')];
    },
  };
}

export const clusterRefsEndpoint = refsEndpoint(clusterSetScope);
export const guestRefsEndpoint = (kind: GuestKind): EndpointDef =>
  refsEndpoint(guestSetScope(kind));
