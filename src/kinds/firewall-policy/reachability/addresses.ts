/**
 * Address sets as pve-firewall matches them: a rule's `source`/`dest` is a list of addresses,
 * CIDRs or one range, an alias, or `+ipset`. Sets are kept as inclusive integer spans so a region
 * (a bridge's subnet, "any other address") can be cut into classes that every rule treats alike.
 */
import {
  compressIpv6,
  ipToBig,
  ipVersionOf,
  parseAliasRef,
  type IpVersion,
} from '../../../sim/firewall/addr.js';

/** An inclusive range of addresses of one IP version. */
export interface Span {
  v: IpVersion;
  lo: bigint;
  hi: bigint;
}

export interface AddrSet {
  contains(v: IpVersion, n: bigint): boolean;
  /** Every span the set is built from (nomatch entries too): the edges of its classes. */
  spans: Span[];
}

function bits(v: IpVersion): bigint {
  return v === 4 ? 32n : 128n;
}

/** One element: an address, a CIDR (host bits ignored, as iptables does) or `a-b`. */
export function parseSpan(elem: string): Span {
  const range = /^(.+?)\s*-\s*(.+)$/.exec(elem);
  if (range?.[1] && range[2]) {
    const v = ipVersionOf(range[1]);
    if (!v || ipVersionOf(range[2]) !== v) throw new Error(`invalid address range '${elem}'`);
    return { v, lo: ipToBig(range[1], v), hi: ipToBig(range[2], v) };
  }
  const [ip = '', len] = elem.split('/');
  const v = ipVersionOf(ip);
  if (!v) throw new Error(`invalid address '${elem}'`);
  const size = bits(v) - BigInt(len ?? bits(v));
  const host = (1n << size) - 1n;
  const lo = ipToBig(ip, v) & ~host;
  return { v, lo, hi: lo | host };
}

/** `parseSpan` for values read from configs: undefined instead of a throw. */
export function tryParseSpan(elem: string): Span | undefined {
  try {
    return parseSpan(elem);
  } catch {
    // The caller reports the value as unusable; nothing else to do with it here.
    return undefined;
  }
}

function inSpan(s: Span, v: IpVersion, n: bigint): boolean {
  return s.v === v && s.lo <= n && n <= s.hi;
}

export function spanSet(spans: Span[]): AddrSet {
  return { spans, contains: (v, n) => spans.some((s) => inSpan(s, v, n)) };
}

/** The IP sets and aliases a name resolves against: the guest's own first, then the cluster's. */
export interface AddrScope {
  cluster: { ipsets: Map<string, IpSetEntry[]>; aliases: Map<string, string> };
  local?: { ipsets: Map<string, IpSetEntry[]>; aliases: Map<string, string> };
}

export interface IpSetEntry {
  cidr: string;
  nomatch: boolean;
}

function resolveAlias(scope: AddrScope, ref: string, local: boolean): string {
  const parsed = parseAliasRef(ref);
  const name = parsed?.name.toLowerCase() ?? '';
  const own = parsed?.scope !== 'dc/' && local ? scope.local?.aliases.get(name) : undefined;
  const found = own ?? (parsed?.scope !== 'guest/' ? scope.cluster.aliases.get(name) : undefined);
  if (found === undefined) throw new Error(`no such alias '${ref}'`);
  return found;
}

/**
 * An IP set as the kernel's hash:net matches it: the most specific entry containing the address
 * decides, and a `nomatch` entry excludes. Alias entries resolve like rules do.
 */
function ipSet(scope: AddrScope, entries: IpSetEntry[], local: boolean): AddrSet {
  const parsed = entries.map((e) => {
    const text = parseAliasRef(e.cidr) ? resolveAlias(scope, e.cidr, local) : e.cidr;
    return { span: parseSpan(text), nomatch: e.nomatch };
  });
  return {
    spans: parsed.map((p) => p.span),
    contains(v, n) {
      let best: { span: Span; nomatch: boolean } | undefined;
      for (const p of parsed) {
        if (!inSpan(p.span, v, n)) continue;
        if (!best || p.span.hi - p.span.lo < best.span.hi - best.span.lo) best = p;
      }
      return best !== undefined && !best.nomatch;
    },
  };
}

/** Resolves a rule's `source`/`dest`; throws what pve-firewall warns about (the rule is skipped). */
export function resolveAddr(spec: string, scope: AddrScope): AddrSet {
  const local = scope.local !== undefined;
  const set = /^\+(guest\/|dc\/)?(.+)$/.exec(spec);
  if (set?.[2]) {
    const name = set[2].toLowerCase();
    const own = set[1] !== 'dc/' ? scope.local?.ipsets.get(name) : undefined;
    if (own) return ipSet(scope, own, true);
    const dc = set[1] !== 'guest/' ? scope.cluster.ipsets.get(name) : undefined;
    if (dc) return ipSet(scope, dc, false);
    throw new Error(`no such ipset '${set[2]}'`);
  }
  if (parseAliasRef(spec)) return spanSet([parseSpan(resolveAlias(scope, spec, local))]);
  return spanSet(spec.split(',').map(parseSpan));
}

function ipText(v: IpVersion, n: bigint): string {
  if (v === 4) return [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 255n)).join('.');
  const groups: string[] = [];
  for (let s = 112n; s >= 0n; s -= 16n) groups.push(((n >> s) & 0xffffn).toString(16));
  return compressIpv6(groups.join(':'));
}

/** `10.0.0.5`, `10.0.0.0/24` when the span is a prefix, else `10.0.0.5-10.0.0.9`. */
export function spanText(s: Span): string {
  if (s.lo === s.hi) return ipText(s.v, s.lo);
  const size = s.hi - s.lo + 1n;
  const prefix = size.toString(2).length - 1;
  if (size === 1n << BigInt(prefix) && s.lo % size === 0n) {
    return `${ipText(s.v, s.lo)}/${Number(bits(s.v)) - prefix}`;
  }
  return `${ipText(s.v, s.lo)}-${ipText(s.v, s.hi)}`;
}

/**
 * Cuts `region` at every edge in `edges` (span starts and ends of all sets in play), so that each
 * piece is inside or outside every set as a whole; the first address of a piece stands for it.
 */
export function classes(region: Span[], edges: Span[]): Span[] {
  const out: Span[] = [];
  for (const r of region) {
    const cuts = new Set(edges.filter((e) => e.v === r.v).flatMap((e) => [e.lo, e.hi + 1n]));
    const inner = [...cuts]
      .filter((c) => c > r.lo && c <= r.hi)
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    let lo = r.lo;
    for (const c of inner) {
      out.push({ v: r.v, lo, hi: c - 1n });
      lo = c;
    }
    out.push({ v: r.v, lo, hi: r.hi });
  }
  return out;
}

/** `whole` minus `holes`, as sorted spans. */
export function subtract(whole: Span, holes: Span[]): Span[] {
  let parts: Span[] = [whole];
  for (const h of holes) {
    parts = parts.flatMap((p) => {
      if (h.v !== p.v || h.hi < p.lo || h.lo > p.hi) return [p];
      const rest: Span[] = [];
      if (h.lo > p.lo) rest.push({ v: p.v, lo: p.lo, hi: h.lo - 1n });
      if (h.hi < p.hi) rest.push({ v: p.v, lo: h.hi + 1n, hi: p.hi });
      return rest;
    });
  }
  return parts;
}

/** The same addresses as non-overlapping sorted spans (overlapping IP set entries cut once). */
export function union(spans: Span[]): Span[] {
  const sorted = [...spans].sort((a, b) => a.v - b.v || (a.lo < b.lo ? -1 : a.lo > b.lo ? 1 : 0));
  const out: Span[] = [];
  for (const s of sorted) {
    const last = out.at(-1);
    if (last && last.v === s.v && s.lo <= last.hi + 1n) {
      if (s.hi > last.hi) last.hi = s.hi;
    } else {
      out.push({ ...s });
    }
  }
  return out;
}
