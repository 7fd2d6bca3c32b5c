/**
 * The container machinery's shared state, one per composition root: the `/cluster/resources`
 * observation cache and the VMID allocator serve every kind that runs containers (AppContainer,
 * Appliance), so a sweep reads the cluster once and two kinds never pick the same VMID at once.
 * `LxcMachine` is the typed entry every such kind calls: it resolves its own object into a
 * container spec and plans, applies and deletes through it (no casts between kinds' specs).
 */
import type { KindDeps } from '../kind-module.js';
import { VmidAllocator } from './create.js';
import { ObservationCache } from './observe-cache.js';
import type { AppContainerDeps, LxcEngine } from './pass.js';
import type { LxcMachine } from './lxc-machine.js';
import { AppContainerReconciler } from './reconciler.js';

export type { LxcMachine } from './lxc-machine.js';

/** @param resourcesTtlMs lifetime of the shared `/cluster/resources` read (first caller sets it). */
export function sharedLxcEngine(deps: KindDeps, resourcesTtlMs = 15_000): LxcEngine {
  return deps.shared('lxc-engine', () => ({
    cache: new ObservationCache(deps.pve, deps.clock, resourcesTtlMs),
    allocator: new VmidAllocator(deps.pve),
  }));
}

/** The machinery for a kind other than AppContainer (pass `engine` to share cache and allocator). */
export function lxcMachine(deps: AppContainerDeps): LxcMachine {
  return new AppContainerReconciler(deps);
}
