/**
 * The container machinery's shared state, one per composition root: the `/cluster/resources`
 * observation cache and the VMID allocator serve every kind that runs containers (AppContainer,
 * Appliance), so a sweep reads the cluster once and two kinds never pick the same VMID at once.
 */
import type { KindDeps } from '../kind-module.js';
import { VmidAllocator } from './create.js';
import { ObservationCache } from './observe-cache.js';
import type { LxcEngine } from './pass.js';

/** @param resourcesTtlMs lifetime of the shared `/cluster/resources` read (first caller sets it). */
export function sharedLxcEngine(deps: KindDeps, resourcesTtlMs = 15_000): LxcEngine {
  return deps.shared('lxc-engine', () => ({
    cache: new ObservationCache(deps.pve, deps.clock, resourcesTtlMs),
    allocator: new VmidAllocator(deps.pve),
  }));
}
