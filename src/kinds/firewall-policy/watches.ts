/**
 * What queues a FirewallPolicy besides its own manifest: an AppContainer or VirtualMachine its
 * guest entries select (by name or labels) being created, relabelled, getting its vmid, or going —
 * so a guest that starts matching a selector gets its rules without waiting for a resync. A
 * relabelled guest that stops matching queues the policies it matches now; the one it left finds
 * it through its recorded rule lists on its next pass.
 */
import type { ObjectReader, StoredObject, Watch } from '../../core/kind.js';
import { GUEST_KINDS, policySelects } from './desired.js';
import type { FirewallPolicySpec } from './spec.js';

const selecting = (guest: StoredObject, reader: ObjectReader): string[] =>
  reader
    .list('FirewallPolicy')
    .filter((p) => policySelects(p as StoredObject<FirewallPolicySpec>, guest))
    .map((p) => p.name);

export const firewallPolicyWatches: Watch[] = Object.keys(GUEST_KINDS).map((kind) => ({
  kind,
  map: selecting,
}));
