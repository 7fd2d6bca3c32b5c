/**
 * The firewall part of the simulated API (pve-firewall's API2/Firewall/*.pm): cluster options,
 * rules, security groups, IP sets and aliases; node rules and options; for each guest type
 * (container `lxc`, VM `qemu`) the same rules, options, IP sets, aliases and refs. See FACTS §7.
 */
import type { EndpointDef, RequestContext } from '../types.js';
import './formats.js';
import {
  clusterRuleScope,
  guestRuleScope,
  hostRuleScope,
  ruleEndpoints,
} from './rule-endpoints.js';
import { groupEndpoints } from './group-endpoints.js';
import { clusterIpsetEndpoints, guestIpsetEndpoints } from './ipset-endpoints.js';
import { clusterAliasEndpoints, guestAliasEndpoints } from './alias-endpoints.js';
import {
  clusterOptionEndpoints,
  guestOptionEndpoints,
  hostOptionEndpoints,
} from './options-endpoints.js';
import { nodeParam, vmidParam } from './params.js';
import { guestFirewall, guestKinds, guestPrefix, type GuestKind } from './scope.js';
import { clusterRefsEndpoint, guestRefsEndpoint } from './refs-endpoints.js';
import { macroList } from './macros.js';

const directory = (names: readonly string[]): { name: string }[] => names.map((name) => ({ name }));

/** One guest type's firewall: the directory, options, rules, IP sets, aliases and refs. */
function guestFirewallEndpoints(kind: GuestKind): EndpointDef[] {
  return [
    {
      method: 'GET',
      path: guestPrefix(kind),
      params: { node: nodeParam, vmid: vmidParam },
      returns: 'array',
      handler: ({ sim, params }: RequestContext): unknown => {
        guestFirewall(sim, params, false, kind);
        return directory(['rules', 'aliases', 'ipset', 'refs', 'options']);
      },
    },
    ...guestOptionEndpoints(kind),
    ...ruleEndpoints(guestRuleScope(kind)),
    ...guestIpsetEndpoints(kind),
    ...guestAliasEndpoints(kind),
    guestRefsEndpoint(kind),
  ];
}

export const firewallEndpoints: EndpointDef[] = [
  {
    method: 'GET',
    path: '/cluster/firewall',
    params: {},
    returns: 'array',
    handler: (): unknown =>
      directory(['aliases', 'rules', 'options', 'groups', 'ipset', 'macros', 'refs']),
  },
  {
    method: 'GET',
    path: '/cluster/firewall/macros',
    params: {},
    returns: 'array',
    handler: (): unknown => macroList(),
  },
  ...clusterOptionEndpoints,
  ...ruleEndpoints(clusterRuleScope),
  ...groupEndpoints,
  ...clusterIpsetEndpoints,
  ...clusterAliasEndpoints,
  {
    method: 'GET',
    path: '/nodes/{node}/firewall',
    params: { node: nodeParam },
    returns: 'array',
    handler: ({ sim, params }: RequestContext): unknown => {
      sim.node(String(params['node']));
      return directory(['rules', 'options', 'log']);
    },
  },
  ...hostOptionEndpoints,
  ...ruleEndpoints(hostRuleScope),
  ...guestKinds.flatMap(guestFirewallEndpoints),
  clusterRefsEndpoint,
];
