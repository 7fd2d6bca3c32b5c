/** The SdnZone kind as the registry lists it: schema, checks, CLI names, columns, reconciler. */
import type { StoredObject } from '../../core/kind.js';
import type { KindModule } from '../kind-module.js';
import { sdnReconcilerFactory } from '../sdn/reconciler.js';
import { sdnZoneColumns } from './columns.js';
import { zoneOps } from './ops.js';
import { sdnZoneSpecSchema, type SdnZoneSpec } from './schema.js';
import { validateSdnZone } from './validate.js';

export const sdnZoneKind: KindModule<SdnZoneSpec> = {
  kind: 'SdnZone',
  plural: 'sdnzones',
  aliases: ['sdnzone', 'zone'],
  schema: sdnZoneSpecSchema,
  validate: validateSdnZone,
  // A vlan zone rides on a bridge pxr may manage.
  dependsOn: ['Bridge'],
  // A VNet that becomes Ready applied the zone's staged writes: the zone looks again.
  watches: [
    {
      kind: 'VNet',
      map: (vnet: StoredObject) =>
        typeof vnet.spec['zone'] === 'string' ? [vnet.spec['zone']] : [],
    },
  ],
  columns: sdnZoneColumns,
  createReconciler: sdnReconcilerFactory(zoneOps),
};
