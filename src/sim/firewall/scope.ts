/**
 * Where each firewall endpoint family finds its config: the cluster file, a node's `host.fw`, or
 * a container's `<vmid>.fw`. Each scope turns request parameters into the state slice it reads,
 * raising the errors Proxmox raises for a missing node or container.
 */
import { die, type EndpointDef, type ParamDef, type SimContext } from '../types.js';
import type { FirewallState, GuestFirewallState } from './state.js';
import { emptyGuestFirewall } from './seed.js';
import { nodeParam, vmidParam } from './params.js';

export type Permission = NonNullable<EndpointDef['permission']>;

/** A config holding IP sets and aliases (cluster or guest). */
export interface SetScope {
  env: 'cluster' | 'ct';
  /** Firewall path the families hang below: `/cluster/firewall` + `/ipset`, `/aliases`, `/refs`. */
  prefix: string;
  params: Record<string, ParamDef>;
  audit: Permission;
  modify: Permission;
  /** The config for reading; `create` materialises a guest's config for writing. */
  conf(
    sim: SimContext,
    p: Record<string, unknown>,
    create: boolean,
  ): Pick<FirewallState, 'ipsets' | 'aliases'>;
}

export const clusterAudit: Permission = { path: '/', privs: ['Sys.Audit'] };
export const clusterModify: Permission = { path: '/', privs: ['Sys.Modify'] };
export const hostAudit: Permission = { path: '/nodes/{node}', privs: ['Sys.Audit'] };
export const hostModify: Permission = { path: '/nodes/{node}', privs: ['Sys.Modify'] };
export const guestAudit: Permission = { path: '/vms/{vmid}', privs: ['VM.Audit'] };
export const guestModify: Permission = { path: '/vms/{vmid}', privs: ['VM.Config.Network'] };

/**
 * A container's firewall config. The CT must exist (its `.conf` is read for the firewall's
 * IP filter), so a missing one answers like every other CT endpoint.
 */
export function guestFirewall(
  sim: SimContext,
  p: Record<string, unknown>,
  create: boolean,
): GuestFirewallState {
  const nodeName = String(p['node']);
  const vmid = String(p['vmid']);
  const node = sim.node(nodeName);
  if (!node.lxc[vmid])
    die(`Configuration file 'nodes/${nodeName}/lxc/${vmid}.conf' does not exist`);
  const existing = node.guestFirewall[vmid];
  if (existing) return existing;
  const fresh = emptyGuestFirewall();
  // Reads must not create state: a converged system makes no writes.
  if (create) node.guestFirewall[vmid] = fresh;
  return fresh;
}

export const clusterSetScope: SetScope = {
  env: 'cluster',
  prefix: '/cluster/firewall',
  params: {},
  audit: clusterAudit,
  modify: clusterModify,
  conf: (sim) => sim.state.firewall,
};

export const guestSetScope: SetScope = {
  env: 'ct',
  prefix: '/nodes/{node}/lxc/{vmid}/firewall',
  params: { node: nodeParam, vmid: vmidParam },
  audit: guestAudit,
  modify: guestModify,
  conf: (sim, p, create) => guestFirewall(sim, p, create),
};
