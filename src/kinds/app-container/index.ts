/** The AppContainer kind's reconciler, as the composition root wires it. */
import type { Reconciler } from '../../core/kind.js';
import { AppContainerReconciler, type AppContainerDeps } from './reconciler.js';
import type { AppContainerSpec } from './spec.js';

export type { AppContainerDeps } from './reconciler.js';
export type { AppContainerSpec } from './spec.js';

/**
 * The reconciler finds the Bridge object managing a container's bridge (then waits for it to be
 * Ready) and the Appliance of a member through the reconcile context (`ctx.list`, `ctx.get`).
 */
export function appContainerReconciler(deps: AppContainerDeps): Reconciler<AppContainerSpec> {
  return new AppContainerReconciler(deps);
}
