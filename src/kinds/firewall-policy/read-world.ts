/**
 * Reads pve-firewall's state through the client into plain Proxmox-shaped data: exactly what the
 * API returns (rules with `pos` and `digest`, options with their digest, IP set entries, aliases),
 * nothing interpreted. The planner works from this, and so can anything that wants to evaluate
 * the rules (the reachability matrix of `pxr describe`).
 */
import { isPveApiError } from '../../pve/errors.js';
import { apiPath } from '../../pve/route.js';
import type { PveClient } from '../../pve/types.js';

export type ApiRule = Record<string, unknown> & { pos: number; type: string; action: string };
export type ApiOptions = Record<string, string | number>;

export interface ApiIpSet {
  name: string;
  comment?: string;
  entries: { cidr: string; comment?: string; nomatch?: number }[];
}

export interface ApiAlias {
  name: string;
  cidr: string;
  comment?: string;
}

export interface ApiGroup {
  group: string;
  comment?: string;
  rules: ApiRule[];
}

/** A guest's API path segment: `lxc` (an AppContainer) or `qemu` (a VirtualMachine). */
export type GuestType = 'lxc' | 'qemu';

export interface GuestRef {
  node: string;
  vmid: number;
  type: GuestType;
}

export interface ApiGuest extends GuestRef {
  options: ApiOptions;
  rules: ApiRule[];
  /** `net0` … as in the guest config (`name=eth0,bridge=vmbr1,firewall=1,…`, `virtio=…,bridge=…`). */
  nics: Record<string, string>;
  /** A VM's `ipconfig0` … (cloud-init addresses; a VM's `netN` has none). */
  ipconfigs: Record<string, string>;
}

export interface FirewallWorld {
  cluster: {
    options: ApiOptions;
    rules: ApiRule[];
    groups: ApiGroup[];
    ipsets: ApiIpSet[];
    aliases: ApiAlias[];
  };
  /** Per node name. */
  hosts: Record<string, { options: ApiOptions; rules: ApiRule[] }>;
  /** Per vmid (unique across guest types); a guest that no longer exists is absent. */
  guests: Record<string, ApiGuest>;
}

export const clusterPath = '/cluster/firewall';
export const groupPath = (g: string): string => apiPath('/cluster/firewall/groups/{g}', { g });
export const hostRulesPath = (node: string): string =>
  apiPath('/nodes/{node}/firewall/rules', { node });
export const guestPath = (g: GuestRef): string =>
  apiPath(`/nodes/{node}/${g.type}/{vmid}`, { node: g.node, vmid: g.vmid });
export const guestFwPath = (g: GuestRef): string => `${guestPath(g)}/firewall`;

/** At most this many reads in flight per step: kind to pveproxy, and to the pass's abort signal. */
const READS_IN_FLIGHT = 3;

async function mapLimited<T, R>(items: readonly T[], fn: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(READS_IN_FLIGHT, items.length) }, worker));
  return out;
}

const sorted = (rules: ApiRule[] | null | undefined): ApiRule[] =>
  [...(rules ?? [])].sort((a, b) => Number(a.pos) - Number(b.pos));

async function guestOrGone<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (err) {
    // The guest was destroyed (or never created): nothing of it to read.
    if (isPveApiError(err) && /does not exist/.test(err.pveMessage)) return undefined;
    throw err;
  }
}

export async function readFirewallWorld(
  pve: PveClient,
  scope: { nodes: readonly string[]; guests: readonly GuestRef[] },
): Promise<FirewallWorld> {
  const [options, rules, groupList, setList, aliases] = await Promise.all([
    pve.get<ApiOptions>(`${clusterPath}/options`),
    pve.get<ApiRule[]>(`${clusterPath}/rules`),
    pve.get<{ group: string; comment?: string }[]>(`${clusterPath}/groups`),
    pve.get<{ name: string; comment?: string }[]>(`${clusterPath}/ipset`),
    pve.get<ApiAlias[]>(`${clusterPath}/aliases`),
  ]);
  const groups = await mapLimited(groupList ?? [], async (g) => ({
    group: g.group,
    ...(g.comment ? { comment: g.comment } : {}),
    rules: sorted(await pve.get<ApiRule[]>(groupPath(g.group))),
  }));
  const ipsets = await mapLimited(setList ?? [], async (s) => ({
    name: s.name,
    ...(s.comment ? { comment: s.comment } : {}),
    entries: (await pve.get<ApiIpSet['entries']>(`${clusterPath}/ipset/${s.name}`)) ?? [],
  }));
  const world: FirewallWorld = {
    cluster: {
      options: options ?? {},
      rules: sorted(rules),
      groups,
      ipsets,
      aliases: (aliases ?? []).map((a) => ({
        name: a.name,
        cidr: a.cidr,
        ...(a.comment ? { comment: a.comment } : {}),
      })),
    },
    hosts: {},
    guests: {},
  };
  await mapLimited([...new Set(scope.nodes)], async (node) => {
    const base = apiPath('/nodes/{node}/firewall', { node });
    const [o, r] = await Promise.all([
      pve.get<ApiOptions>(`${base}/options`),
      pve.get<ApiRule[]>(`${base}/rules`),
    ]);
    world.hosts[node] = { options: o ?? {}, rules: sorted(r) };
  });
  await mapLimited(scope.guests, async (g) => {
    const base = guestFwPath(g);
    const read = await guestOrGone(() =>
      Promise.all([
        pve.get<ApiOptions>(`${base}/options`),
        pve.get<ApiRule[]>(`${base}/rules`),
        pve.get<Record<string, unknown>>(`${guestPath(g)}/config`),
      ]),
    );
    if (!read) return;
    const [o, r, config] = read;
    const nics: Record<string, string> = {};
    const ipconfigs: Record<string, string> = {};
    for (const [k, v] of Object.entries(config ?? {})) {
      if (typeof v !== 'string') continue;
      if (/^net\d+$/.test(k)) nics[k] = v;
      else if (g.type === 'qemu' && /^ipconfig\d+$/.test(k)) ipconfigs[k] = v;
    }
    world.guests[String(g.vmid)] = { ...g, options: o ?? {}, rules: sorted(r), nics, ipconfigs };
  });
  return world;
}
