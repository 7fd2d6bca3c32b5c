/** The AppContainer kind as the registry lists it: schema, checks, CLI names, columns, watches, reconciler. */
import { appContainerAddresses } from './addresses.js';
import type { KindModule } from '../kind-module.js';
import { appContainerColumns } from './columns.js';
import { sharedLxcEngine } from './engine.js';
import { AppContainerReconciler, type AppContainerDeps } from './reconciler.js';
import { appContainerSpecSchema } from './schema.js';
import type { AppContainerSpec } from './spec.js';
import { validateAppContainer } from './validate.js';
import { appContainerWatches } from './watches.js';

export const appContainerKind: KindModule<AppContainerSpec> = {
  kind: 'AppContainer',
  plural: 'appcontainers',
  aliases: ['appcontainer', 'ct'],
  schema: appContainerSpecSchema,
  validate: validateAppContainer,
  addresses: appContainerAddresses,
  dependsOn: ['Bridge', 'VNet', 'Appliance'],
  watches: appContainerWatches,
  columns: appContainerColumns,
  createReconciler: (deps, tuning) => {
    const t = tuning as Partial<AppContainerDeps>;
    return new AppContainerReconciler({
      ...t,
      pve: deps.pve,
      clock: deps.clock,
      engine: sharedLxcEngine(deps, t.resourcesTtlMs),
    });
  },
};
