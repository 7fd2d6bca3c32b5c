/** The Bridge kind as the registry lists it: schema, semantic checks, CLI names and columns. */
import type { KindDefinition } from '../../core/kind.js';
import { bridgeColumns } from './columns.js';
import { bridgeSpecSchema } from './schema.js';
import { validateBridge } from './validate.js';

export const bridgeKind: KindDefinition = {
  kind: 'Bridge',
  plural: 'bridges',
  aliases: ['bridge', 'br'],
  schema: bridgeSpecSchema,
  validate: validateBridge,
  columns: bridgeColumns,
};
