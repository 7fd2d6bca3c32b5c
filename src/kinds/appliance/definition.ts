/** The Appliance kind as the registry lists it: schema, checks, CLI names, columns, watches, reconciler. */
import { applianceAddresses } from './addresses.js';
import type { Reconciler } from '../../core/kind.js';
import { sharedLxcEngine } from '../app-container/engine.js';
import type { KindModule } from '../kind-module.js';
import { applianceColumns } from './columns.js';
import { ApplianceReconciler, type ApplianceDeps } from './reconciler.js';
import { applianceSpecSchema } from './schema.js';
import type { ApplianceSpec } from './spec.js';
import { defaultTransportFactory } from './transport-for.js';
import { validateAppliance } from './validate.js';
import { applianceWatches } from './watches.js';

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
    const t = tuning as Partial<ApplianceDeps>;
    // The ssh connections into appliances stay open between passes; closed when pxr stops (unless
    // the caller brought its own factory, which it closes itself).
    const own = defaultTransportFactory({ clock: deps.clock, log: deps.log }); // opens nothing yet
    const r = new ApplianceReconciler({
      ...t,
      pve: deps.pve,
      clock: deps.clock,
      transportFor: t.transportFor ?? own,
      engine: sharedLxcEngine(deps, t.resourcesTtlMs),
    });
    return Object.assign(r, { close: (): Promise<void> => own.closeAll() });
  },
};
