/** The Appliance kind's reconciler and transport factory, as the composition root wires them. */
import type { Reconciler } from '../../core/kind.js';
import { ApplianceReconciler, type ApplianceDeps } from './reconciler.js';
import type { ApplianceSpec } from './spec.js';

export type { ApplianceDeps } from './reconciler.js';
export type { ApplianceSpec } from './spec.js';
export type { ServiceLayouts } from './services.js';
export {
  defaultTransportFactory,
  type TransportFactory,
  type TransportTarget,
} from './transport-for.js';

/**
 * The reconciler finds the Bridge objects of its bridges and the AppContainers that join its LAN
 * through the reconcile context (`ctx.list`). `transportFor` builds the transport into the appliance
 * (see `defaultTransportFactory`; tests pass their own).
 */
export function applianceReconciler(deps: ApplianceDeps): Reconciler<ApplianceSpec> {
  return new ApplianceReconciler(deps);
}
