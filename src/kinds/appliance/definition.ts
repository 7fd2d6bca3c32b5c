/** The Appliance kind as the registry lists it: schema, checks, CLI names, columns, watches, reconciler. */
import { applianceAddresses } from './addresses.js';
import type { Reconciler } from '../../core/kind.js';
import { sharedLxcEngine } from '../app-container/engine.js';
import type { KindModule } from '../kind-module.js';
import { applianceColumns } from './columns.js';
import { ApplianceReconciler, type ApplianceDeps } from './reconciler.js';
import { applianceSpecSchema } from './schema.js';
import type { ApplianceSpec } from './spec.js';
import { sharedApplianceReach } from './reach.js';
import { defaultTransportFactory } from './transport-for.js';
import type { GuestHome } from '../../appliance/transport/simulated.js';
import { simulatorHome } from '../../appliance/transport/simulator-home.js';
import type { Simulator } from '../../sim/index.js';
import { validateAppliance } from './validate.js';
import { applianceWatches } from './watches.js';

/** What the in-process simulator hands this kind: simulated appliances live in its containers. */
export interface ApplianceSimTuning {
  simulatedHome?: (node: string, vmid: number) => GuestHome;
}

/** The kind tuning of `pxr run --sim`/`pxr diff --sim`, by kind name. */
export function simulatorKindTuning(
  sim: Pick<Simulator, 'state' | 'context'>,
): Record<string, Readonly<Record<string, unknown>>> {
  const tuning: ApplianceSimTuning = {
    simulatedHome: (node, vmid) => simulatorHome(sim, node, vmid),
  };
  // A Certificate's files target into a simulated container keeps its files there too.
  return { Appliance: { ...tuning }, Certificate: { simulatedHome: tuning.simulatedHome } };
}

export const applianceKind: KindModule<ApplianceSpec> = {
  kind: 'Appliance',
  plural: 'appliances',
  aliases: ['appliance'],
  schema: applianceSpecSchema,
  validate: validateAppliance,
  addresses: applianceAddresses,
  dependsOn: ['Bridge', 'VNet'],
  watches: applianceWatches,
  columns: applianceColumns,
  createReconciler: (deps, tuning): Reconciler<ApplianceSpec> => {
    const t = tuning as Partial<ApplianceDeps> & ApplianceSimTuning;
    // The ssh connections into appliances stay open between passes; closed when pxr stops (unless
    // the caller brought its own factory, which it closes itself).
    const own = defaultTransportFactory({
      clock: deps.clock,
      log: deps.log,
      ...(t.simulatedHome ? { simulatedHome: t.simulatedHome } : {}),
    }); // opens nothing yet
    // Shared with the Certificate kind, which reaches the same Caddy through the same transport.
    const reach = sharedApplianceReach(deps, {
      transportFor: t.transportFor ?? own,
      layouts: t.layouts ?? {},
    });
    const r = new ApplianceReconciler({
      ...t,
      pve: deps.pve,
      clock: deps.clock,
      transportFor: reach.transportFor,
      engine: sharedLxcEngine(deps, t.resourcesTtlMs),
    });
    return Object.assign(r, { close: (): Promise<void> => own.closeAll() });
  },
};
