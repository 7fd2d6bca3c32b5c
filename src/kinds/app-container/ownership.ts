/**
 * Write-ahead ownership (the store's inventory, through `ctx.ownership`): a container is claimed,
 * bound to the object's uid, BEFORE the create call, so that a crash right after the call finds
 * the VMID to look at; claims are released once the container is gone or turned out to be someone
 * else's. Without `ctx.ownership` (hand-built contexts) these are no-ops and the reconciler records
 * an allocated VMID in status first instead. While planning (no writing context), claims and
 * releases are only recorded in the pass; apply carries them out.
 */
import { PxrError } from '../../core/errors.js';
import type { ResourceRef } from '../../core/ownership.js';
import type { Pass } from './pass.js';

/** What the claims need of a pass (the VirtualMachine kind's pass has it too). */
export type OwnerPass = Pick<Pass, 'ctx' | 'rc' | 'deferred' | 'obj'>;

/** A guest's kind in the inventory: `lxc` (containers) or `qemu` (VMs). */
export type GuestType = 'lxc' | 'qemu';

export function lxcRef(node: string, vmid: number, type: GuestType = 'lxc'): ResourceRef {
  return { resourceType: type, node, resourceId: String(vmid) };
}

/** Claims guest `vmid`; returns why not when another object (another uid) owns it. */
export function claimCt(
  p: OwnerPass,
  node: string,
  vmid: number,
  type: GuestType = 'lxc',
): string | undefined {
  const ref = lxcRef(node, vmid, type);
  if (!p.rc) {
    p.deferred.push({ op: 'claim', ref });
    return undefined;
  }
  try {
    p.rc.ownership?.claim(p.obj.name, ref);
    return undefined;
  } catch (err) {
    if (err instanceof PxrError && err.code === 'INVENTORY_CONFLICT') return err.message;
    throw err;
  }
}

/** Releases the claim on guest `vmid` (deferred to apply while planning). */
export function releaseCt(p: OwnerPass, node: string, vmid: number, type: GuestType = 'lxc'): void {
  const ref = lxcRef(node, vmid, type);
  if (p.rc) p.rc.ownership?.release(p.obj.name, ref);
  else p.deferred.push({ op: 'release', ref });
}

/** The guest this object claimed, if any (the first, by node and VMID). */
export function claimedCt(
  p: Pick<Pass, 'ctx' | 'obj'>,
  type: GuestType = 'lxc',
): { node: string; vmid: number } | undefined {
  const refs = (p.ctx.ownership?.owned(p.obj.name) ?? []).filter((r) => r.resourceType === type);
  const r = refs[0];
  return r ? { node: r.node, vmid: Number(r.resourceId) } : undefined;
}

/** Drops every guest claim of this object (it is gone). */
export function releaseAll(p: Pick<Pass, 'rc' | 'obj'>, type: GuestType = 'lxc'): void {
  const own = p.rc?.ownership;
  if (!own) return;
  for (const r of own.owned(p.obj.name)) if (r.resourceType === type) own.release(p.obj.name, r);
}
