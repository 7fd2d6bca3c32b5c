/**
 * Firewall state, in the form pve-firewall holds it after reading its config files back (so the
 * digests the API returns match what Proxmox would compute). See FACTS §7. Rules are ordered:
 * index = `pos`.
 */

/** One rule as parsed from a `.fw` file: `enable` is always 0|1, `ipversion` derived. */
export interface FwRule {
  type: string;
  action: string;
  enable?: 0 | 1;
  macro?: string;
  iface?: string;
  source?: string;
  dest?: string;
  proto?: string;
  dport?: string;
  sport?: string;
  log?: string;
  comment?: string;
  'icmp-type'?: string;
  ipversion?: 4 | 6;
  [key: string]: unknown;
}

export interface IpSetEntry {
  /** Normalised: host bits cleared, `/32` and `/128` dropped; or an alias name. */
  cidr: string;
  comment?: string;
  nomatch?: 1;
}

export interface IpSet {
  comment?: string;
  /** Newest first (POST inserts at the front). */
  entries: IpSetEntry[];
}

export interface FwAlias {
  /** As given (case kept); the map key is the lower-cased name. */
  name: string;
  cidr: string;
  ipversion: 4 | 6;
  comment?: string;
}

export interface FirewallState {
  options: Record<string, string | number>;
  rules: FwRule[];
  /** Lower-cased group name -> group. */
  groups: Record<string, { comment?: string; rules: FwRule[] }>;
  /** Lower-cased IP set name -> set. */
  ipsets: Record<string, IpSet>;
  /** Lower-cased alias name -> alias. */
  aliases: Record<string, FwAlias>;
}

export interface GuestFirewallState {
  options: Record<string, string | number>;
  rules: FwRule[];
  ipsets: FirewallState['ipsets'];
  aliases: FirewallState['aliases'];
}
