/**
 * What queues a FirewallPolicy besides its own manifest: an AppContainer its guest entries select
 * (by name or labels) being created, relabelled, getting its vmid, or going — so a container that
 * starts matching a selector gets its rules without waiting for a resync. A relabelled container
 * that stops matching queues the policies it matches now; the one it left finds it through its
 * recorded rule lists on its next pass.
 */
import type { ObjectReader, StoredObject, Watch } from '../../core/kind.js';
import { policySelects } from './desired.js';
import type { FirewallPolicySpec } from './spec.js';

export const firewallPolicyWatches: Watch[] = [
  {
    kind: 'AppContainer',
    map: (ct: StoredObject, reader: ObjectReader): string[] =>
      reader
        .list('FirewallPolicy')
        .filter((p) => policySelects(p as StoredObject<FirewallPolicySpec>, ct))
        .map((p) => p.name),
  },
];
