/**
 * Two documents claiming one IPv4 address on one network (a bridge and an appliance both at
 * 10.20.0.1 on vmbr10, two members with the same static address on an appliance's LAN): a warning
 * for `pxr validate` and an event on both objects, never an error — the manifests alone cannot
 * always tell (a node's interface may be down), and refusing would block a legitimate move of an
 * address from one object to another within one commit. Pure.
 */
import type { KindDefinition } from '../core/kind.js';
import type { ManifestDoc } from '../core/manifest.js';

export interface AddressHolder {
  kind: string;
  name: string;
  field: string;
  doc: ManifestDoc;
}

export interface AddressConflict {
  ip: string;
  /** The network both are on (a `node/bridge` name when one is known). */
  segment: string;
  first: AddressHolder;
  other: AddressHolder;
}

function unionFind(): { join(a: string, b: string): void; root(a: string): string } {
  const parent = new Map<string, string>();
  const root = (a: string): string => {
    let r = a;
    while (parent.has(r) && parent.get(r) !== r) r = parent.get(r)!;
    return r;
  };
  return {
    root,
    join(a, b) {
      const ra = root(a);
      const rb = root(b);
      // Keep a readable name (`pve/vmbr10`) as the root rather than `appliance:gw`.
      if (ra === rb) return;
      if (ra.includes(':')) parent.set(ra, rb);
      else parent.set(rb, ra);
    },
  };
}

/** `fromWildcard`: a copy of a `host:*` claim (only those meet the host addresses of bridges). */
type Claim = { ip: string; segment: string; holder: AddressHolder; fromWildcard?: boolean };

/**
 * Segments a document cannot name by node: `*\/mesh` (a VNet is the bridge `mesh` on every node)
 * joins every `node/mesh` claimed; a `host:*` claim (an address every node holds) stands for each
 * `host:NODE` claimed. Host addresses meet only such copies: two bridges of a node at one address
 * are isolated segments (no conflict), a VNet gateway every node holds is not.
 */
function expandWildcards(
  claims: Claim[],
  pairs: [string, string][],
  segments: ReturnType<typeof unionFind>,
): void {
  const named = new Set(claims.map((c) => c.segment));
  for (const [a, b] of pairs) {
    const [x, y] = b.startsWith('*/') ? [a, b] : [b, a];
    if (!y.startsWith('*/')) {
      segments.join(a, b);
      continue;
    }
    for (const seg of named) {
      if (seg.endsWith(y.slice(1)) && !seg.startsWith('*')) segments.join(x, seg);
    }
  }
  const hosts = [...named].filter((s) => s.startsWith('host:') && s !== 'host:*');
  for (const c of claims.filter((x) => x.segment === 'host:*')) {
    for (const h of hosts) claims.push({ ...c, segment: h, fromWildcard: true });
  }
}

export function addressConflicts(
  docs: readonly ManifestDoc[],
  kinds: readonly Pick<KindDefinition, 'kind' | 'addresses'>[],
): AddressConflict[] {
  const byKind = new Map(kinds.map((k) => [k.kind, k]));
  const segments = unionFind();
  const claims: Claim[] = [];
  const pairs: [string, string][] = [];
  for (const doc of docs) {
    const found = byKind.get(doc.kind)?.addresses?.(doc);
    if (!found) continue;
    for (const [a, b] of found.same ?? []) pairs.push([a, b]);
    for (const c of found.claims) {
      claims.push({
        ip: c.ip,
        segment: c.segment,
        holder: { kind: doc.kind, name: doc.name, field: c.field, doc },
      });
    }
  }
  expandWildcards(claims, pairs, segments);
  const first = new Map<string, AddressHolder>();
  const out: AddressConflict[] = [];
  for (const c of claims) {
    const segment = segments.root(c.segment);
    const key = `${segment} ${c.ip}`;
    const held = first.get(key);
    if (!held) {
      first.set(key, c.holder);
      continue;
    }
    if (segment.startsWith('host:') && c.fromWildcard !== true) continue;
    // One document saying the same address twice for the same segment is one claim.
    if (held.kind === c.holder.kind && held.name === c.holder.name) continue;
    out.push({ ip: c.ip, segment, first: held, other: c.holder });
  }
  return out;
}

/** What one side is told (the same words in `pxr validate` and in its events). */
export function conflictMessage(c: AddressConflict, side: 'first' | 'other'): string {
  const them = side === 'first' ? c.other : c.first;
  return `${c.ip} on ${c.segment} is also claimed by ${them.kind}/${them.name} (${them.field})`;
}
