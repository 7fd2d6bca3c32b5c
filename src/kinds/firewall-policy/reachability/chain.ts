/**
 * A guest NIC's IN or OUT chain as pve-firewall generates it (`ruleset_generate_vm_rules`,
 * `generate_group_rules`): the guest's rules in `pos` order, skipping disabled ones and those for
 * another `iface`; a `group` rule pulls in the group's rules of the same direction in place
 * (group rules resolve IP sets and aliases at cluster level only); a macro becomes one rule per
 * proto/port line. A rule that cannot be generated (unknown macro, set, alias) is skipped with a
 * warning, as pve-firewall does.
 */
import { macroTemplates } from '../../../sim/firewall/macros.js';
import { resolveAddr, type AddrScope, type AddrSet } from './addresses.js';
import type { RuleRef } from './matrix.js';
import { flag, type FirewallGuest, type PveFwRule } from './world.js';

/** One generated line: match fields and what it does. */
export interface ChainRule {
  proto?: string | undefined;
  dport?: string | undefined;
  sport?: string | undefined;
  icmpType?: string | undefined;
  source?: AddrSet | undefined;
  dest?: AddrSet | undefined;
  action: 'ACCEPT' | 'DROP' | 'REJECT';
  ref: RuleRef;
}

export interface ChainContext {
  groups: Map<string, PveFwRule[]>;
  clusterScope: AddrScope;
  guestScope: AddrScope;
  /** Collects pve-firewall's warnings (deduplicated by the caller). */
  warn(message: string): void;
}

function byPos(rules: PveFwRule[]): PveFwRule[] {
  return [...rules].sort((a, b) => a.pos - b.pos);
}

function text(v: string | number | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : String(v);
}

function isAction(a: string): a is ChainRule['action'] {
  return a === 'ACCEPT' || a === 'DROP' || a === 'REJECT';
}

function expand(rule: PveFwRule, ref: RuleRef, scope: AddrScope, ctx: ChainContext): ChainRule[] {
  const where = ref.group ? `group ${ref.group} rule ${ref.groupPos}` : `rule ${ref.pos}`;
  const action = rule.action.toUpperCase();
  if (!isAction(action)) {
    ctx.warn(`CT/VM ${ref.vmid}: ${where}: unknown action '${rule.action}', skipped`);
    return [];
  }
  let source: AddrSet | undefined;
  let dest: AddrSet | undefined;
  try {
    source = rule.source ? resolveAddr(rule.source, scope) : undefined;
    dest = rule.dest ? resolveAddr(rule.dest, scope) : undefined;
  } catch (err) {
    ctx.warn(`CT/VM ${ref.vmid}: ${where}: ${(err as Error).message}, skipped`);
    return [];
  }
  const own = {
    proto: text(rule.proto),
    dport: text(rule.dport),
    sport: text(rule.sport),
    icmpType: text(rule['icmp-type']),
  };
  const base = { source, dest, action, ref } as const;
  if (!rule.macro) return [{ ...own, ...base }];
  // The matrix probes IPv4; an IPv6-only macro generates nothing there.
  const templates = macroTemplates(rule.macro, 4);
  if (!templates) {
    ctx.warn(`CT/VM ${ref.vmid}: ${where}: unknown macro '${rule.macro}', skipped`);
    return [];
  }
  return templates.map((t) => {
    const [proto, dport, sport] = t.split(' ').map((f) => (f === '-' ? undefined : f));
    const isIcmp = proto === 'icmp' || proto === 'icmpv6';
    return {
      ...own,
      proto: proto ?? own.proto,
      dport: isIcmp ? own.dport : (dport ?? own.dport),
      sport: sport ?? own.sport,
      icmpType: isIcmp ? (dport ?? own.icmpType) : own.icmpType,
      ...base,
    };
  });
}

/** pve-firewall builds an IPv6 rule (`ipversion` 6, from its addresses or icmpv6) only into ip6tables. */
function isV6(rule: PveFwRule): boolean {
  return Number(rule.ipversion) === 6 || rule.proto?.toLowerCase() === 'icmpv6';
}

/** The rules of `guest`'s chain for `nic` in direction `dir`, in the order they are tried. */
export function guestChain(
  guest: FirewallGuest,
  nic: string,
  dir: 'in' | 'out',
  ctx: ChainContext,
): ChainRule[] {
  const out: ChainRule[] = [];
  for (const rule of byPos(guest.rules)) {
    if (rule.iface && rule.iface !== nic) continue;
    if (!flag(rule.enable, false) || isV6(rule)) continue;
    const ref: RuleRef = { level: 'guest', vmid: guest.vmid, pos: rule.pos, action: rule.action };
    if (rule.comment) ref.comment = rule.comment;
    if (rule.type === 'group') {
      const members = ctx.groups.get(rule.action.toLowerCase());
      if (!members) ctx.warn(`CT/VM ${guest.vmid}: no such security group '${rule.action}'`);
      for (const g of byPos(members ?? [])) {
        if (g.type !== dir || !flag(g.enable, false) || isV6(g)) continue;
        const gref: RuleRef = { ...ref, group: rule.action, groupPos: g.pos, action: g.action };
        if (g.comment) gref.comment = g.comment;
        else delete gref.comment;
        if (g.macro) gref.macro = g.macro;
        out.push(...expand(g, gref, ctx.clusterScope, ctx));
      }
      continue;
    }
    if (rule.type !== dir) continue;
    if (rule.macro) ref.macro = rule.macro;
    out.push(...expand(rule, ref, ctx.guestScope, ctx));
  }
  return out;
}
