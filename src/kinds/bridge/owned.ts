/**
 * Which bridges an object owns: the write-ahead inventory (`ctx.ownership`, bound to the object's
 * uid) plus, for bridges recorded before the inventory was used, `observed.owned` in status.
 */
import type { PlanContext, ReconcileContext, StoredObject } from '../../core/kind.js';
import { driftSettings } from '../../core/drift-policy.js';
import type { ResourceRef } from '../../core/ownership.js';
import { normalizeSpec } from './normalize.js';
import type { OwnedBridge } from './pending.js';
import type { BridgeObserved } from './plan.js';
import type { BridgeSpec } from './spec.js';

export const BRIDGE = 'bridge';

export function bridgeRef(node: string, iface: string): ResourceRef {
  return { resourceType: BRIDGE, node, resourceId: iface };
}

/** Inventory records of bridges the object owns, on every node. */
export function inventoryBridges(ctx: Pick<PlanContext, 'ownership'>, name: string): ResourceRef[] {
  return (ctx.ownership?.owned(name) ?? []).filter((r) => r.resourceType === BRIDGE);
}

/** Interfaces of `node` the object owns (inventory, then the legacy status record). */
export function ownedOnNode(
  ctx: ReconcileContext,
  obj: StoredObject<BridgeSpec>,
  prev: BridgeObserved,
  node: string,
): string[] {
  const out = new Set(
    inventoryBridges(ctx, obj.name)
      .filter((r) => r.node === node)
      .map((r) => r.resourceId),
  );
  const legacy = prev.owned === true && prev.ownerUid === obj.uid;
  if (legacy && prev.iface && (prev.node ?? node) === node) out.add(prev.iface);
  return [...out];
}

/**
 * What pxr expects of every bridge the objects own on `node`: the spec for an object's current
 * iface when `live`, absent otherwise (an object being deleted, an iface renamed away).
 */
export function ownedBridges(
  ctx: ReconcileContext,
  objs: readonly StoredObject<BridgeSpec>[],
  prevs: ReadonlyMap<string, BridgeObserved>,
  node: string,
  live: boolean,
): Map<string, OwnedBridge> {
  const out = new Map<string, OwnedBridge>();
  for (const o of objs) {
    // Staged changes on ignored fields still count as ours (pending.ts).
    const ignoreFields = driftSettings(o.annotations).ignoreFields;
    for (const iface of ownedOnNode(ctx, o, prevs.get(o.name) ?? {}, node)) {
      if (out.has(iface)) continue;
      const desired = live && iface === o.spec.iface ? normalizeSpec(o.spec) : undefined;
      out.set(iface, { iface, owner: o.name, desired, ignoreFields });
    }
  }
  return out;
}
