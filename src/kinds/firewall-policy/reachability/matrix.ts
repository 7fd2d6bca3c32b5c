/**
 * The reachability matrix: plain data (strings, numbers, arrays), so `JSON.stringify` gives the
 * `-o json` form as is.
 */
import type { Policy } from './world.js';

/** Where a rule sits: a guest's own list, or a security group that a guest rule pulls in. */
export interface RuleRef {
  level: 'guest';
  vmid: number;
  /** `pos` of the guest's rule (for a group: of the `group` rule that includes it). */
  pos: number;
  /** The security group, and the rule's `pos` inside it. */
  group?: string;
  groupPos?: number;
  action: string;
  macro?: string;
  comment?: string;
}

/** Why a NIC's chains do not exist in pve-firewall's ruleset. */
export type NotFilteredReason = 'cluster-firewall-off' | 'guest-firewall-off' | 'nic-firewall-off';

/** One chain a packet passes and what decided there. */
export type Step =
  | { chain: 'in' | 'out'; vmid: number; nic: string; by: 'rule'; rule: RuleRef; action: Policy }
  | { chain: 'in' | 'out'; vmid: number; nic: string; by: 'policy'; policy: Policy; set: boolean }
  | {
      chain: 'in' | 'out';
      vmid: number;
      nic: string;
      by: 'not-filtered';
      reasons: NotFilteredReason[];
    }
  /** The source NIC's `ipfilter-netN` set does not hold the address (OUT chain, before rules). */
  | { chain: 'out'; vmid: number; nic: string; by: 'ipfilter'; ipset: string }
  /** The cluster IP set `blacklist` holds the source (PVEFW-FWBR-IN, before the guest's chain). */
  | { chain: 'in'; vmid: number; nic: string; by: 'blacklist' };

export interface Outcome {
  verdict: 'allow' | 'deny';
  /** In the order the packet meets them; the last one decided. */
  steps: Step[];
}

/** A (protocol, port) that new connections are tried with. */
export interface Probe {
  /** `tcp/443`, `tcp/6800:6999`, `tcp/other`, `icmp/echo-request`, `gre`, `other`. */
  label: string;
  /** Absent: a protocol no rule names. */
  proto?: string;
  /** Destination port (first of its class) or ICMP type name; absent for "no port". */
  port?: number;
  service?: string;
  icmpType?: string | undefined;
}

export interface ProbeResult {
  probe: Probe;
  verdict: 'allow' | 'deny' | 'mixed';
  /** When not mixed. */
  steps?: Step[];
  /** When parts of the source (or destination) range are treated differently. */
  parts?: { from: string[]; to: string[]; verdict: 'allow' | 'deny'; steps: Step[] }[];
}

export interface MatrixSource {
  id: string;
  kind: 'bridge' | 'guest' | 'ipset' | 'alias' | 'other';
  label: string;
  /** The addresses it stands for (spans as text). */
  addresses: string[];
  note?: string;
}

export interface MatrixDestination {
  id: string;
  /** `ct 101 (web)` */
  label: string;
  vmid: number;
  name?: string;
  node: string;
  nic: string;
  bridge: string;
  addresses: string[];
  filtered: boolean;
  notFiltered: NotFilteredReason[];
}

export interface MatrixCell {
  from: string;
  to: string;
  results: ProbeResult[];
}

export interface ReachabilityMatrix {
  sources: MatrixSource[];
  destinations: MatrixDestination[];
  cells: MatrixCell[];
  /** What pve-firewall lets through whatever the rules say, stated once. */
  alwaysAllowed: string[];
  /** Rules pve-firewall skips (unknown macro, group, IP set or alias) and other caveats. */
  notes: string[];
}
