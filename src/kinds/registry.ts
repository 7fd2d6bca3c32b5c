/**
 * Every kind pxr knows, as plain definitions (schema, semantic checks, CLI names). Reconcilers are
 * attached later by the composition root, which has the Proxmox client and the clock. A new kind plugs
 * in by adding one entry here (its `schema.ts` and `validate.ts` next to its reconciler).
 */
import type { KindDefinition } from '../core/kind.js';
import { bridgeSpecSchema } from './bridge/schema.js';
import { validateBridge } from './bridge/validate.js';
import { appContainerSpecSchema } from './app-container/schema.js';
import { validateAppContainer } from './app-container/validate.js';
import { applianceSpecSchema } from './appliance/schema.js';
import { validateAppliance } from './appliance/validate.js';
import { applianceWatches } from './appliance/watches.js';
import { appContainerWatches } from './app-container/watches.js';

const bridge: KindDefinition = {
  kind: 'Bridge',
  plural: 'bridges',
  aliases: ['bridge', 'br'],
  schema: bridgeSpecSchema,
  validate: validateBridge,
};

const appliance: KindDefinition = {
  kind: 'Appliance',
  plural: 'appliances',
  aliases: ['appliance'],
  schema: applianceSpecSchema,
  validate: validateAppliance,
  dependsOn: ['Bridge'],
  watches: applianceWatches,
};

const appContainer: KindDefinition = {
  kind: 'AppContainer',
  plural: 'appcontainers',
  aliases: ['appcontainer', 'ct'],
  schema: appContainerSpecSchema,
  validate: validateAppContainer,
  dependsOn: ['Bridge', 'Appliance'],
  watches: appContainerWatches,
};

/**
 * The kinds in dependency order (a kind comes after the kinds it depends on). Returns fresh objects
 * so a caller attaching a reconciler never mutates another caller's definitions.
 */
export function kindDefinitions(): KindDefinition[] {
  return [bridge, appliance, appContainer].map((k) => ({ ...k }));
}
