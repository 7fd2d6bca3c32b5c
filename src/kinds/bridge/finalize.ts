/**
 * Bridge finalize: deletes the bridges the deleted objects own (inventory or legacy status) with one
 * apply task, polled by requeue; releases their inventory records once a read confirms them gone,
 * then answers `done`. A bridge pxr does not own, or the node's API bridge (unless the spec says
 * `allowApiBridge`), is let go untouched (`DeletionSkipped` warning); a deleted object's bridges on
 * other nodes are released with a `LeftBehind` warning.
 */
import { toError } from '../../core/errors.js';
import type { ObjectOutcome, ReconcileContext } from '../../core/kind.js';
import type { PveClient } from '../../pve/types.js';
import { recordedApplyState } from './network-ops.js';
import { prevOf, type NodeApply, type Obj } from './node-apply.js';
import { isManagedType } from './normalize.js';
import { bridgeRef, inventoryBridges, ownedOnNode } from './owned.js';
import { isApiBridge } from './protect.js';

export function createFinalize(
  pve: PveClient,
  ops: NodeApply,
  pollMs: number,
): (ctx: ReconcileContext, objs: Obj[]) => Promise<Map<string, 'done' | ObjectOutcome | Error>> {
  const { applying, apiAddressesOf, pendingPass, applyOrRevert } = ops;

  async function finalize(
    ctx: ReconcileContext,
    objs: Obj[],
  ): Promise<Map<string, 'done' | ObjectOutcome | Error>> {
    const out = new Map<string, 'done' | ObjectOutcome | Error>();
    const node = objs[0]?.spec.node;
    if (node === undefined) return out;
    const prevs = new Map(objs.map((o) => [o.name, prevOf(ctx, objs, o)]));
    const upids = [...prevs.values()].flatMap((p) => (p.applyUpid ? [p.applyUpid] : []));
    const task = upids.length > 0 ? await recordedApplyState(pve, node, upids) : undefined;
    if (task?.state === 'running') {
      for (const o of objs) out.set(o.name, applying(prevs.get(o.name)!, task.upid));
      return out;
    }
    const net = await pve.listNetwork(node);
    // The runtime does not keep observed facts of a finalize pass, so our own delete+apply is
    // recognised by the reload still running on the node, or (died before applying) by the
    // pending changes being only the removal of bridges these objects own.
    if (net.changes) return pendingPass(ctx, node, objs, prevs, net, false);
    const ifaces = new Map(net.ifaces.map((i) => [i.iface, i]));
    const deleted = new Map<string, string[]>();
    let addrs: Set<string> | undefined;
    for (const o of objs) {
      const mine = ownedOnNode(ctx, o, prevs.get(o.name)!, node);
      releaseElsewhere(ctx, o, node);
      if (mine.length === 0) {
        if (ifaces.has(o.spec.iface)) {
          const message = `${o.spec.iface} on ${node} was not created by pxr; left in place`;
          ctx.log.warn({ node, iface: o.spec.iface, bridge: o.name }, message);
          ctx.recordEvent?.(o.name, { type: 'Warning', reason: 'DeletionSkipped', message });
        }
        out.set(o.name, 'done');
        continue;
      }
      // Confirmed gone (deleted by our last apply, or by hand): the record goes.
      for (const iface of mine) {
        if (!isManagedType(ifaces.get(iface)?.type))
          ctx.ownership?.release(o.name, bridgeRef(node, iface));
      }
      const present = mine.filter((i) => isManagedType(ifaces.get(i)?.type));
      if (present.length === 0) {
        out.set(o.name, 'done');
        continue;
      }
      try {
        for (const iface of present) {
          const item = ifaces.get(iface)!;
          if (!o.spec.allowApiBridge) {
            // Read once, when the gateway alone does not settle it (see reconciler.ts `protect`).
            if (!item.gateway) addrs ??= await apiAddressesOf(ctx, node);
            if (isApiBridge(item, addrs ?? new Set())) {
              // Never cut the branch pxr sits on; a deletion stuck on it forever helps nobody.
              const message = `${iface} on ${node} carries the node's API address or default gateway; left in place (set spec.allowApiBridge: true to have pxr remove it)`;
              ctx.log.warn({ node, iface, bridge: o.name }, message);
              ctx.recordEvent?.(o.name, { type: 'Warning', reason: 'DeletionSkipped', message });
              ctx.ownership?.release(o.name, bridgeRef(node, iface));
              continue;
            }
          }
          await pve.deleteNetwork(node, iface);
          deleted.set(o.name, [...(deleted.get(o.name) ?? []), iface]);
        }
        if (!deleted.has(o.name)) out.set(o.name, 'done');
      } catch (err) {
        out.set(o.name, toError(err));
      }
    }
    if (deleted.size === 0) return out;
    const upid = await applyOrRevert(ctx, node, objs, prevs, false);
    for (const [name, gone] of deleted) {
      out.set(name, {
        actions: [...gone.map((i) => `delete ${i}`), `applying network on ${node} (${upid})`],
        requeueAfterMs: pollMs,
        notReady: { reason: 'Deleting', message: `removing ${gone.join(', ')} (${upid})` },
      });
    }
    return out;
  }

  /** A deleted object's bridges on other nodes are not this group's to delete: let go, loudly. */
  function releaseElsewhere(ctx: ReconcileContext, o: Obj, node: string): void {
    for (const r of inventoryBridges(ctx, o.name)) {
      if (r.node === node) continue;
      ctx.ownership?.release(o.name, r);
      const message = `bridge ${r.resourceId} on ${r.node} is no longer managed; remove it by hand if unused`;
      ctx.recordEvent?.(o.name, { type: 'Warning', reason: 'LeftBehind', message });
    }
  }

  return finalize;
}
