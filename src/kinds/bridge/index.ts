/** The Bridge kind's reconciler, as the composition root wires it. */
import type { Clock } from '../../core/clock.js';
import type { Reconciler } from '../../core/kind.js';
import type { PveClient } from '../../pve/types.js';
import { createBridgeReconciler, type BridgeReconcilerDeps } from './reconciler.js';
import type { BridgeSpec } from './spec.js';

export type { BridgeReconcilerDeps } from './reconciler.js';
export type { BridgeSpec } from './spec.js';

export function bridgeReconciler(
  deps: { pve: PveClient; clock: Clock } & Partial<BridgeReconcilerDeps>,
): Reconciler<BridgeSpec> {
  return createBridgeReconciler(deps);
}
