/**
 * Whose are the network changes staged on a node? Pure.
 *
 * A pass that dies after staging but before `PUT /network` leaves pending changes and no UPID in
 * status. They are pxr's own — and safe to apply — when every interface the staged diff touches is a
 * bridge pxr owns (inventory) AND its pending state is what its object wants (the spec, or absent
 * for a bridge being removed): applying then only brings reality to the spec. Anything else is
 * someone else's edit (or cannot be told apart from one) and is never applied nor reverted by pxr.
 *
 * Fields pxr does not manage (bridge_stp, bridge_fd, options...) are not compared: an edit of only
 * those on a bridge pxr owns would go out with pxr's apply. Drift-ignored fields are not compared
 * either (pxr stages them as found, and the active value is not visible here).
 */
import type { NetworkIface } from '../../pve/types.js';
import { diffFields } from './diff.js';
import { normalizeObserved, type BridgeState } from './normalize.js';
import { isBridgeFieldIgnored } from './plan.js';
import { stagedIfaces } from './pending-diff.js';
import { resolveSegment } from './stanza-match.js';

/** What pxr expects of one bridge it owns on the node. */
export interface OwnedBridge {
  iface: string;
  /** Object that owns it. */
  owner: string;
  /** Desired state; undefined when the bridge should not exist (being deleted, renamed away). */
  desired: BridgeState | undefined;
  /** `pxr/drift-ignore` fields of the owner. */
  ignoreFields: readonly string[];
}

export type PendingVerdict = { ours: true; ifaces: string[] } | { ours: false; reason: string };

export function classifyPending(
  changes: string,
  pending: ReadonlyMap<string, NetworkIface>,
  owned: ReadonlyMap<string, OwnedBridge>,
): PendingVerdict {
  const staged = stagedIfaces(changes);
  for (const seg of staged.segments) {
    const iface = resolveSegment(seg, pending);
    if (iface === undefined) staged.unattributed += seg.changed;
    else staged.ifaces.add(iface);
  }
  if (staged.unattributed > 0) {
    return { ours: false, reason: 'some staged lines cannot be attributed to an interface' };
  }
  if (staged.topLevel > 0) {
    return { ours: false, reason: 'lines outside interface definitions are staged' };
  }
  if (staged.ifaces.size === 0) {
    return { ours: false, reason: 'no interface is changed by the staged diff' };
  }
  const ifaces = [...staged.ifaces].sort();
  for (const iface of ifaces) {
    const own = owned.get(iface);
    if (!own) return { ours: false, reason: `${iface} is not a bridge pxr owns` };
    const item = pending.get(iface);
    if (!own.desired) {
      if (item) return { ours: false, reason: `${iface} is staged but ${own.owner} removes it` };
      continue;
    }
    if (!item) return { ours: false, reason: `${iface} is staged for removal` };
    if (item.type !== own.desired.type) {
      return { ours: false, reason: `${iface} is staged as a ${item.type}` };
    }
    const differ = diffFields(own.desired, normalizeObserved(item)).filter(
      (f) => !isBridgeFieldIgnored(f.field, own.ignoreFields),
    );
    if (differ.length > 0) {
      const fields = differ.map((f) => f.field).join(', ');
      return { ours: false, reason: `staged ${fields} of ${iface} differ from ${own.owner}` };
    }
  }
  return { ours: true, ifaces };
}
