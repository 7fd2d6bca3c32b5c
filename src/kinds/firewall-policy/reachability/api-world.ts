/**
 * Builds the matrix input from lists as a reader collects them (groups, IP sets and guests as
 * arrays/records of raw API items, NICs as raw `netN` property strings), picking only the rule
 * fields the matrix reads and checking their types, so loosely typed API data cannot smuggle in a
 * non-string where a string is expected.
 */
import { guestNics } from './nics.js';
import type {
  FirewallBridge,
  FirewallGuest,
  FirewallWorld,
  PveAlias,
  PveFwOptions,
  PveFwRule,
  PveIpSets,
} from './world.js';

/** A rule item as any reader keeps it. */
export type ApiRuleLike = Record<string, unknown> & { pos: number; type: string; action: string };

export interface ApiIpSetLike {
  name: string;
  entries: { cidr: string; nomatch?: number | boolean; comment?: string }[];
}

export interface ApiGuestLike {
  node: string;
  vmid: number;
  /** @default 'lxc' */
  type?: 'lxc' | 'qemu';
  name?: string;
  options: PveFwOptions;
  rules: ApiRuleLike[];
  /** `net0` -> `name=eth0,bridge=vmbr1,firewall=1,ip=…` (and `ipconfigN` for a VM). */
  nics: Record<string, string>;
  ipsets?: ApiIpSetLike[];
  aliases?: PveAlias[];
}

export interface ApiWorldLike {
  cluster: {
    options: PveFwOptions;
    rules?: ApiRuleLike[];
    groups: { group: string; rules: ApiRuleLike[] }[];
    ipsets: ApiIpSetLike[];
    aliases: PveAlias[];
  };
  hosts?: Record<string, { options: PveFwOptions; rules: ApiRuleLike[] }>;
  /** Keyed by vmid. */
  guests: Record<string, ApiGuestLike>;
  bridges: FirewallBridge[];
}

const TEXT_FIELDS = ['macro', 'proto', 'source', 'dest', 'iface', 'log', 'comment'] as const;
const PORT_FIELDS = ['sport', 'dport'] as const;

export function ruleFromApi(item: ApiRuleLike): PveFwRule {
  const rule: PveFwRule = { pos: item.pos, type: item.type, action: item.action };
  const enable = item['enable'];
  if (typeof enable === 'number' || typeof enable === 'boolean') rule.enable = enable;
  for (const k of TEXT_FIELDS) {
    const v = item[k];
    if (typeof v === 'string') rule[k] = v;
  }
  for (const k of PORT_FIELDS) {
    const v = item[k];
    if (typeof v === 'string' || typeof v === 'number') rule[k] = v;
  }
  const ipversion = item['ipversion'];
  if (typeof ipversion === 'number') rule.ipversion = ipversion;
  const icmp = item['icmp-type'];
  if (typeof icmp === 'string') rule['icmp-type'] = icmp;
  return rule;
}

function ipsets(list: ApiIpSetLike[] | undefined): PveIpSets {
  return Object.fromEntries((list ?? []).map((s) => [s.name, s.entries]));
}

function guestFromApi(g: ApiGuestLike): FirewallGuest {
  const type = g.type ?? 'lxc';
  const guest: FirewallGuest = {
    vmid: g.vmid,
    node: g.node,
    type,
    options: g.options,
    rules: g.rules.map(ruleFromApi),
    ipsets: ipsets(g.ipsets),
    aliases: g.aliases ?? [],
    nics: guestNics(type, g.nics),
  };
  if (g.name !== undefined) guest.name = g.name;
  return guest;
}

export function worldFromApi(input: ApiWorldLike): FirewallWorld {
  const world: FirewallWorld = {
    cluster: {
      options: input.cluster.options,
      groups: Object.fromEntries(
        input.cluster.groups.map((g) => [g.group, g.rules.map(ruleFromApi)]),
      ),
      ipsets: ipsets(input.cluster.ipsets),
      aliases: input.cluster.aliases,
      rules: (input.cluster.rules ?? []).map(ruleFromApi),
    },
    guests: Object.values(input.guests)
      .sort((a, b) => a.vmid - b.vmid)
      .map(guestFromApi),
    bridges: input.bridges,
  };
  if (input.hosts) {
    world.hosts = Object.fromEntries(
      Object.entries(input.hosts).map(([node, h]) => [
        node,
        { options: h.options, rules: h.rules.map(ruleFromApi) },
      ]),
    );
  }
  return world;
}
