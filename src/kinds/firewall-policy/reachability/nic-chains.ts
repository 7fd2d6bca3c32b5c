/**
 * Which NICs pve-firewall filters, and their chains. A guest NIC gets IN/OUT chains only when the
 * cluster firewall is on (`enable`, default 0), the guest's option is on (`enable`, default 0) and
 * the NIC has `firewall=1`; its firewall bridge (and with it the cluster `blacklist` check) exists
 * whenever the cluster is on and the NIC has `firewall=1`.
 */
import {
  resolveAddr,
  parseSpan,
  spanSet,
  type AddrScope,
  type AddrSet,
  type IpSetEntry,
} from './addresses.js';
import { ipVersionOf } from '../../../sim/firewall/addr.js';
import { guestChain, type ChainContext } from './chain.js';
import type { NicChain } from './evaluate.js';
import type { NotFilteredReason } from './matrix.js';
import {
  flag,
  policy,
  type FirewallGuest,
  type FirewallWorld,
  type GuestNic,
  type PveAlias,
  type PveIpSets,
} from './world.js';

function setMap(sets: PveIpSets | undefined): Map<string, IpSetEntry[]> {
  return new Map(
    Object.entries(sets ?? {}).map(([name, entries]) => [
      name.toLowerCase(),
      entries.map((e) => ({ cidr: e.cidr, nomatch: flag(e.nomatch, false) })),
    ]),
  );
}

function aliasMap(aliases: PveAlias[] | undefined): Map<string, string> {
  return new Map((aliases ?? []).map((a) => [a.name.toLowerCase(), a.cidr]));
}

/** A NIC's own address (`ip=10.0.0.5/24` -> `10.0.0.5`), or undefined for dhcp/manual/none. */
export function nicAddress(nic: GuestNic): string | undefined {
  const ip = nic.ip?.split('/')[0];
  return ip && ipVersionOf(ip) ? ip : undefined;
}

export class NicChains {
  readonly clusterScope: AddrScope;
  private readonly groups: Map<string, FirewallGuest['rules']>;
  private readonly warnings = new Set<string>();

  constructor(private readonly world: FirewallWorld) {
    this.clusterScope = {
      cluster: { ipsets: setMap(world.cluster.ipsets), aliases: aliasMap(world.cluster.aliases) },
    };
    this.groups = new Map(
      Object.entries(world.cluster.groups).map(([name, rules]) => [name.toLowerCase(), rules]),
    );
  }

  get notes(): string[] {
    return [...this.warnings];
  }

  notFiltered(guest: FirewallGuest, nic: GuestNic): NotFilteredReason[] {
    const reasons: NotFilteredReason[] = [];
    if (!flag(this.world.cluster.options['enable'], false)) reasons.push('cluster-firewall-off');
    if (!flag(guest.options['enable'], false)) reasons.push('guest-firewall-off');
    if (!nic.firewall) reasons.push('nic-firewall-off');
    return reasons;
  }

  private scopeOf(guest: FirewallGuest): AddrScope {
    return {
      cluster: this.clusterScope.cluster,
      local: { ipsets: setMap(guest.ipsets), aliases: aliasMap(guest.aliases) },
    };
  }

  private blacklist(nic: GuestNic): AddrSet | undefined {
    if (!flag(this.world.cluster.options['enable'], false) || !nic.firewall) return undefined;
    if (!this.clusterScope.cluster.ipsets.has('blacklist')) return undefined;
    return this.set('+dc/blacklist', this.clusterScope, 'cluster IP set blacklist');
  }

  private set(spec: string, scope: AddrScope, what: string): AddrSet | undefined {
    try {
      return resolveAddr(spec, scope);
    } catch (err) {
      this.warnings.add(`${what}: ${(err as Error).message}`);
      return undefined;
    }
  }

  /**
   * `ipfilter-netN`: with the `ipfilter` option or that guest IP set, the OUT chain drops sources
   * outside it; a container's configured IPs are always part of it.
   */
  private ipfilter(guest: FirewallGuest, nic: GuestNic, scope: AddrScope): NicChain['ipfilter'] {
    const name = `ipfilter-${nic.name}`;
    const own = scope.local?.ipsets.get(name);
    if (!own && !flag(guest.options['ipfilter'], false)) return undefined;
    const parts: AddrSet[] = [];
    if (own) {
      const s = this.set(`+guest/${name}`, scope, `CT/VM ${guest.vmid}`);
      if (s) parts.push(s);
    }
    const ip = nicAddress(nic);
    if (guest.type === 'lxc' && ip) parts.push(spanSet([parseSpan(ip)]));
    return {
      name,
      set: {
        spans: parts.flatMap((p) => p.spans),
        contains: (v, n) => parts.some((p) => p.contains(v, n)),
      },
    };
  }

  chain(guest: FirewallGuest, nic: GuestNic, dir: 'in' | 'out'): NicChain {
    const notFiltered = this.notFiltered(guest, nic);
    const key = dir === 'in' ? 'policy_in' : 'policy_out';
    const base: NicChain = {
      vmid: guest.vmid,
      nic: nic.name,
      notFiltered,
      rules: [],
      policy: policy(guest.options[key], dir === 'in' ? 'DROP' : 'ACCEPT'),
      policySet: guest.options[key] !== undefined,
    };
    if (dir === 'in') {
      const blacklist = this.blacklist(nic);
      if (blacklist) base.blacklist = blacklist;
    }
    if (notFiltered.length > 0) return base;
    const scope = this.scopeOf(guest);
    const ctx: ChainContext = {
      groups: this.groups,
      clusterScope: this.clusterScope,
      guestScope: scope,
      warn: (m) => this.warnings.add(m),
    };
    base.rules = guestChain(guest, nic.name, dir, ctx);
    if (dir === 'out') {
      const ipfilter = this.ipfilter(guest, nic, scope);
      if (ipfilter) base.ipfilter = ipfilter;
    }
    return base;
  }
}
