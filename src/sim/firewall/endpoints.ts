/**
 * The firewall part of the simulated API (pve-firewall's API2/Firewall/*.pm): cluster options,
 * rules, security groups, IP sets and aliases; node rules and options; container rules, options,
 * IP sets and aliases. See FACTS §7.
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
import { guestFirewall } from './scope.js';
import { refsEndpoints } from './refs-endpoints.js';
import { macroList } from './macros.js';

const directory = (names: readonly string[]): { name: string }[] => names.map((name) => ({ name }));

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
  {
    method: 'GET',
    path: '/nodes/{node}/lxc/{vmid}/firewall',
    params: { node: nodeParam, vmid: vmidParam },
    returns: 'array',
    handler: ({ sim, params }: RequestContext): unknown => {
      guestFirewall(sim, params, false);
      return directory(['rules', 'aliases', 'ipset', 'refs', 'options']);
    },
  },
  ...guestOptionEndpoints,
  ...ruleEndpoints(guestRuleScope),
  ...guestIpsetEndpoints,
  ...guestAliasEndpoints,
  ...refsEndpoints,
];
