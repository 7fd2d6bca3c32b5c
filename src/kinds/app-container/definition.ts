/** The AppContainer kind as the registry lists it: schema, checks, CLI names, columns and watches. */
import type { KindDefinition } from '../../core/kind.js';
import { appContainerColumns } from './columns.js';
import { appContainerSpecSchema } from './schema.js';
import { validateAppContainer } from './validate.js';
import { appContainerWatches } from './watches.js';

export const appContainerKind: KindDefinition = {
  kind: 'AppContainer',
  plural: 'appcontainers',
  aliases: ['appcontainer', 'ct'],
  schema: appContainerSpecSchema,
  validate: validateAppContainer,
  dependsOn: ['Bridge', 'Appliance'],
  watches: appContainerWatches,
  columns: appContainerColumns,
};
