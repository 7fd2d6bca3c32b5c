/**
 * The traffic a cell is tried with: for each protocol the rules name, one probe per class of
 * destination ports that rules treat alike (a port, or a range cut at every rule's edges), one for
 * the ports no rule names, ICMP types by name, and one probe for a protocol no rule names. Probes
 * are new connections from an ephemeral source port.
 */
import { PROTOCOLS, PROTOCOLS_WITH_PORTS } from '../../../sim/firewall/protocols.js';
import type { ChainRule } from './chain.js';
import type { Probe } from './matrix.js';

/** The source port probes come from (Linux's ephemeral range is 32768-60999). */
export const PROBE_SOURCE_PORT = 50000;

/** Protocol name or number -> a comparable key (`6` and `tcp` are the same protocol). */
export function protoKey(proto: string): string {
  const lower = proto.toLowerCase();
  if (lower === 'icmpv6') return '58';
  const n = PROTOCOLS[lower];
  return n === undefined ? lower : String(n);
}

interface PortItem {
  lo: number;
  hi: number;
}

/** Elements of a port list: numbers, `a:b` ranges; service names are kept apart. */
export function portItems(spec: string): { ranges: PortItem[]; names: string[] } {
  const ranges: PortItem[] = [];
  const names: string[] = [];
  for (const item of spec.split(',').filter((s) => s !== '')) {
    const m = /^(\d+)(?::(\d+))?$/.exec(item);
    if (m) ranges.push({ lo: Number(m[1]), hi: Number(m[2] ?? m[1]) });
    else names.push(item);
  }
  return { ranges, names };
}

function portClasses(proto: string, ranges: PortItem[]): Probe[] {
  const cuts = [...new Set(ranges.flatMap((r) => [r.lo, r.hi + 1]))]
    .filter((c) => c > 1 && c <= 65535)
    .sort((a, b) => a - b);
  const probes: Probe[] = [];
  let otherPort: number | undefined;
  let lo = 1;
  for (const end of [...cuts, 65536]) {
    const hi = end - 1;
    const covered = ranges.some((r) => r.lo <= lo && lo <= r.hi);
    if (covered) {
      probes.push({ label: `${proto}/${lo === hi ? lo : `${lo}:${hi}`}`, proto, port: lo });
    } else {
      otherPort ??= lo;
    }
    lo = end;
  }
  if (otherPort !== undefined) probes.push({ label: `${proto}/other`, proto, port: otherPort });
  return probes;
}

/** The probes for the rules of the chains a cell's packets pass. */
export function probesFor(rules: ChainRule[]): Probe[] {
  const byProto = new Map<string, { name: string; rules: ChainRule[] }>();
  for (const r of rules) {
    if (!r.proto) continue;
    const key = protoKey(r.proto);
    const entry = byProto.get(key) ?? { name: r.proto.toLowerCase(), rules: [] };
    entry.rules.push(r);
    byProto.set(key, entry);
  }
  const probes: Probe[] = [];
  for (const { name, rules: list } of byProto.values()) {
    if (name === 'icmp' || name === 'icmpv6' || name === 'ipv6-icmp') {
      const types = new Set(
        list.map((r) => r.icmpType ?? r.dport).filter((t) => t !== undefined && t !== 'any'),
      );
      for (const t of [...types].sort())
        probes.push({ label: `${name}/${t}`, proto: name, icmpType: t });
      probes.push({ label: types.size > 0 ? `${name}/other` : name, proto: name });
    } else if (PROTOCOLS_WITH_PORTS.has(name)) {
      const items = list.flatMap((r) => (r.dport ? [portItems(r.dport)] : []));
      const names = [...new Set(items.flatMap((i) => i.names))].sort();
      probes.push(
        ...portClasses(
          name,
          items.flatMap((i) => i.ranges),
        ),
      );
      for (const s of names) probes.push({ label: `${name}/${s}`, proto: name, service: s });
    } else {
      probes.push({ label: name, proto: name });
    }
  }
  probes.push({ label: 'other' });
  return probes;
}

function portMatches(spec: string, port: number | undefined, service?: string): boolean {
  const { ranges, names } = portItems(spec);
  if (service !== undefined) return names.includes(service);
  return port !== undefined && ranges.some((r) => r.lo <= port && port <= r.hi);
}

/** Whether a generated rule's protocol and port fields match the probe. */
export function matchesProbe(rule: ChainRule, probe: Probe): boolean {
  if (rule.proto) {
    if (!probe.proto || protoKey(rule.proto) !== protoKey(probe.proto)) return false;
  }
  const icmp = rule.proto ? ['1', '58'].includes(protoKey(rule.proto)) : false;
  if (icmp) {
    const type = rule.icmpType ?? rule.dport;
    // `any` is iptables' name for every ICMP type.
    return type === undefined || type === 'any' || type === probe.icmpType;
  }
  if (rule.dport && !portMatches(rule.dport, probe.port, probe.service)) return false;
  if (rule.sport && !portMatches(rule.sport, PROBE_SOURCE_PORT)) return false;
  return true;
}
