/** The VNet kind as the registry lists it: schema, checks, CLI names, columns, watches, reconciler. */
import type { KindModule } from '../kind-module.js';
import { sdnReconcilerFactory } from '../sdn/reconciler.js';
import { vnetAddresses } from './addresses.js';
import { vnetColumns } from './columns.js';
import { vnetOps } from './ops.js';
import { vnetSpecSchema, type VNetSpec } from './schema.js';
import { validateVNet } from './validate.js';

export const vnetKind: KindModule<VNetSpec> = {
  kind: 'VNet',
  plural: 'vnets',
  aliases: ['vnet'],
  schema: vnetSpecSchema,
  validate: validateVNet,
  addresses: vnetAddresses,
  dependsOn: ['SdnZone'],
  // A zone written or changed queues its VNets (they apply its staged writes with theirs).
  watches: [
    {
      kind: 'SdnZone',
      map: (zone, reader) =>
        reader
          .list('VNet')
          .filter((v) => v.spec['zone'] === zone.name)
          .map((v) => v.name),
    },
  ],
  columns: vnetColumns,
  createReconciler: sdnReconcilerFactory(vnetOps),
};
