/** The Appliance kind as the registry lists it: schema, checks, CLI names, columns and watches. */
import type { KindDefinition } from '../../core/kind.js';
import { applianceColumns } from './columns.js';
import { applianceSpecSchema } from './schema.js';
import { validateAppliance } from './validate.js';
import { applianceWatches } from './watches.js';

export const applianceKind: KindDefinition = {
  kind: 'Appliance',
  plural: 'appliances',
  aliases: ['appliance'],
  schema: applianceSpecSchema,
  validate: validateAppliance,
  dependsOn: ['Bridge'],
  watches: applianceWatches,
  columns: applianceColumns,
};
