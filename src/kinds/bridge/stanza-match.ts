/**
 * Which interface a stanza fragment of the staged diff belongs to, when the hunk does not show the
 * stanza's name (pending-diff.ts): the one pending interface whose values agree with every line of
 * the fragment as staged. Pure.
 *
 * Deliberately strict: a line whose option pxr cannot check rules every candidate out, and two
 * matching candidates is no answer — callers then treat the change as someone else's.
 */
import type { NetworkIface } from '../../pve/types.js';
import {
  canonicalCidr,
  DEFAULT_VIDS,
  normalizeComment,
  normalizePorts,
  normalizeVids,
} from './normalize.js';
import type { StanzaSegment } from './pending-diff.js';

function str(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
}

/** Whether one line of a stanza (as written to `interfaces.new`) agrees with `item`. */
export function stanzaLineMatches(line: string, item: NetworkIface): boolean {
  if (line.startsWith('#')) {
    return normalizeComment(item.comments).split('\n').includes(line.slice(1).trimEnd());
  }
  const m = /^\s+(\S+)\s+(.*)$/.exec(line);
  if (!m) return false;
  const [, key = '', raw = ''] = m;
  const value = raw.trim();
  const rec = item as unknown as Record<string, unknown>;
  switch (key) {
    case 'address':
      return canonicalCidr(value) === canonicalCidr(item.cidr, item.address, item.netmask);
    case 'gateway':
      return value === str(item.gateway);
    case 'bridge-ports':
      return normalizePorts(value) === normalizePorts(item.bridge_ports);
    case 'bridge-stp':
      return value === (str(rec.bridge_stp) || 'off');
    case 'bridge-fd':
      return value === (str(rec.bridge_fd) || '0');
    case 'bridge-vlan-aware':
      return value === 'yes' && item.bridge_vlan_aware !== undefined;
    case 'bridge-vids':
      return value === (normalizeVids(item.bridge_vids) || DEFAULT_VIDS);
    case 'mtu':
      return value === str(item.mtu);
    case 'vlan-raw-device':
      return value === str(item['vlan-raw-device']);
    case 'vlan-id':
      return value === str(item['vlan-id']);
    default:
      return false;
  }
}

/** The one pending interface the fragment can belong to, or undefined when not exactly one. */
export function resolveSegment(
  seg: StanzaSegment,
  pending: ReadonlyMap<string, NetworkIface>,
): string | undefined {
  if (seg.pendingLines.length === 0) return undefined;
  const candidates = [...pending.values()].filter((item) =>
    seg.pendingLines.every((l) => stanzaLineMatches(l, item)),
  );
  return candidates.length === 1 ? candidates[0]!.iface : undefined;
}
