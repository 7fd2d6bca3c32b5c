/** Firewall state. See FACTS §7. Rules are ordered: index = `pos`. */
export interface FwRule {
  type: string;
  action: string;
  enable?: 0 | 1;
  [key: string]: unknown;
}

export interface FirewallState {
  options: Record<string, string | number>;
  rules: FwRule[];
  groups: Record<string, { comment?: string; rules: FwRule[] }>;
  ipsets: Record<
    string,
    { comment?: string; entries: { cidr: string; comment?: string; nomatch?: 0 | 1 }[] }
  >;
  aliases: Record<string, { cidr: string; comment?: string }>;
}

export interface GuestFirewallState {
  options: Record<string, string | number>;
  rules: FwRule[];
  ipsets: FirewallState['ipsets'];
  aliases: FirewallState['aliases'];
}
