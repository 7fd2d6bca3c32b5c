/**
 * Where each firewall endpoint family finds its config: the cluster file, a node's `host.fw`, or
 * a guest's `<vmid>.fw` (container or VM: pve-firewall serves both from the same modules, only the
 * path, the rule env and the config it checks differ). Each scope turns request parameters into the state slice it reads,
 * raising the errors Proxmox raises for a missing node or container.
 */
import { die, type EndpointDef, type ParamDef, type SimContext } from '../types.js';
import type { FirewallState, GuestFirewallState } from './state.js';
import { emptyGuestFirewall } from './seed.js';
import { nodeParam, vmidParam } from './params.js';

export type Permission = NonNullable<EndpointDef['permission']>;

/** A config holding IP sets and aliases (cluster or guest). */
export interface SetScope {
  env: 'cluster' | GuestKind['env'];
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

/** A guest type's firewall: its API path segment, rule env and the config directory it checks. */
export interface GuestKind {
  /** `/nodes/{node}/<path>/{vmid}/firewall`. */
  path: 'lxc' | 'qemu';
  /** pve-firewall's rule env (`ct` or `vm`). */
  env: 'ct' | 'vm';
  /** Where `load_config` looks: `nodes/<node>/<confDir>/<vmid>.conf`. */
  confDir: 'lxc' | 'qemu-server';
}

export const containerKind: GuestKind = { path: 'lxc', env: 'ct', confDir: 'lxc' };
export const vmKind: GuestKind = { path: 'qemu', env: 'vm', confDir: 'qemu-server' };
export const guestKinds: readonly GuestKind[] = [containerKind, vmKind];

/** The firewall path of a guest type, below which rules, options, IP sets and aliases hang. */
export const guestPrefix = (kind: GuestKind): string =>
  `/nodes/{node}/${kind.path}/{vmid}/firewall`;

/**
 * A guest's firewall config. The guest must exist (its `.conf` is read for the firewall's
 * IP filter), so a missing one answers like every other endpoint of that guest type. VMIDs are
 * unique across guest types, so one map per node holds both.
 */
export function guestFirewall(
  sim: SimContext,
  p: Record<string, unknown>,
  create: boolean,
  kind: GuestKind,
): GuestFirewallState {
  const nodeName = String(p['node']);
  const vmid = String(p['vmid']);
  const node = sim.node(nodeName);
  const exists = kind.path === 'lxc' ? node.lxc[vmid] : node.qemu?.[vmid];
  if (!exists)
    die(`Configuration file 'nodes/${nodeName}/${kind.confDir}/${vmid}.conf' does not exist`);
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

export const guestSetScope = (kind: GuestKind): SetScope => ({
  env: kind.env,
  prefix: guestPrefix(kind),
  params: { node: nodeParam, vmid: vmidParam },
  audit: guestAudit,
  modify: guestModify,
  conf: (sim, p, create) => guestFirewall(sim, p, create, kind),
});
