/**
 * The firewall as Proxmox holds it, in the shapes its API returns, so a caller fills this from GET
 * responses without translating: rule lists from `GET …/firewall/rules` (and
 * `…/groups/{group}`), IP set entries from `GET …/ipset/{name}`, aliases from `GET …/aliases`,
 * options from `GET …/options` (only explicitly set keys; Perl booleans arrive as 0/1).
 */

/** One rule as `GET …/firewall/rules` returns it (extra keys such as `digest` are ignored). */
export interface PveFwRule {
  pos: number;
  /** `in` | `out` | `group` (`forward` only at cluster/host level). */
  type: string;
  /** ACCEPT | DROP | REJECT, or the security group's name when `type` is `group`. */
  action: string;
  /** Absent or 0: the rule is disabled (pve-firewall skips `!$rule->{enable}`). */
  enable?: number | boolean;
  macro?: string;
  proto?: string;
  source?: string;
  dest?: string;
  sport?: string | number;
  dport?: string | number;
  'icmp-type'?: string;
  /** `netN`: the rule applies to that NIC only. */
  iface?: string;
  log?: string;
  comment?: string;
  ipversion?: number;
}

/** One entry as `GET …/ipset/{name}` returns it; `cidr` may also name an alias. */
export interface PveIpSetEntry {
  cidr: string;
  nomatch?: number | boolean;
  comment?: string;
}

/** One item of `GET …/aliases`. */
export interface PveAlias {
  name: string;
  cidr: string;
  comment?: string;
}

/** `GET …/options`: only the keys set explicitly. */
export type PveFwOptions = Record<string, string | number | boolean | undefined>;

/** IP set name -> its entries (`GET …/ipset` lists the names, `GET …/ipset/{name}` the entries). */
export type PveIpSets = Record<string, PveIpSetEntry[]>;

export interface GuestNic {
  /** `net0` … `net31`: the config key, which is what a rule's `iface` names. */
  name: string;
  bridge: string;
  /** `ip=` of the NIC: a CIDR (`10.0.0.5/24`), `dhcp`, `manual`, or absent. */
  ip?: string;
  /** `firewall=1` on the NIC. */
  firewall: boolean;
}

export interface FirewallGuest {
  vmid: number;
  name?: string;
  node: string;
  type: 'lxc' | 'qemu';
  options: PveFwOptions;
  rules: PveFwRule[];
  ipsets?: PveIpSets;
  aliases?: PveAlias[];
  nics: GuestNic[];
}

export interface FirewallBridge {
  name: string;
  /** `cidr` of the bridge from `GET /nodes/{node}/network`, when it has one. */
  cidr?: string;
}

export interface FirewallWorld {
  cluster: {
    options: PveFwOptions;
    /** Security group name -> its ordered rules. */
    groups: Record<string, PveFwRule[]>;
    ipsets: PveIpSets;
    aliases: PveAlias[];
    /** Cluster-level in/out rules filter the hosts' own traffic, not bridged guests. */
    rules?: PveFwRule[];
  };
  /** Node name -> host firewall (filters traffic to the node itself). */
  hosts?: Record<string, { options: PveFwOptions; rules: PveFwRule[] }>;
  guests: FirewallGuest[];
  bridges: FirewallBridge[];
}

/** A Perl boolean as the API returns it (1, "1", true); absent gives `fallback`. */
export function flag(value: unknown, fallback: boolean): boolean {
  if (value === undefined || value === null || value === '') return fallback;
  return value === true || value === 1 || value === '1';
}

export type Policy = 'ACCEPT' | 'DROP' | 'REJECT';

/** A policy option, or its default when unset or unknown. */
export function policy(value: unknown, fallback: Policy): Policy {
  return value === 'ACCEPT' || value === 'DROP' || value === 'REJECT' ? value : fallback;
}
