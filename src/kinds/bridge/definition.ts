/** The Bridge kind as the registry lists it: schema, checks, CLI names, columns, and its reconciler. */
import { bridgeAddresses } from './addresses.js';
import type { KindModule } from '../kind-module.js';
import { bridgeColumns } from './columns.js';
import { createBridgeReconciler, type BridgeReconcilerDeps } from './reconciler.js';
import { bridgeSpecSchema } from './schema.js';
import type { BridgeSpec } from './spec.js';
import { validateBridge } from './validate.js';

export const bridgeKind: KindModule<BridgeSpec> = {
  kind: 'Bridge',
  plural: 'bridges',
  aliases: ['bridge', 'br'],
  schema: bridgeSpecSchema,
  validate: validateBridge,
  addresses: bridgeAddresses,
  columns: bridgeColumns,
  createReconciler: (deps, tuning) =>
    createBridgeReconciler({
      ...(tuning as Partial<BridgeReconcilerDeps>),
      pve: deps.pve,
      clock: deps.clock,
    }),
};
