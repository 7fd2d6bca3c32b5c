/** The FirewallPolicy kind as the registry lists it: schema, checks, CLI names, columns, watches, reconciler. */
import type { KindModule } from '../kind-module.js';
import { firewallPolicyColumns } from './columns.js';
import { inspectFirewallPolicy } from './inspect.js';
import { createFirewallPolicyReconciler, type FirewallPolicyDeps } from './reconciler.js';
import { firewallPolicySpecSchema } from './schema.js';
import type { FirewallPolicySpec } from './spec.js';
import { validateFirewallPolicy } from './validate.js';
import { firewallPolicyWatches } from './watches.js';

export const firewallPolicyKind: KindModule<FirewallPolicySpec> = {
  kind: 'FirewallPolicy',
  plural: 'firewallpolicies',
  aliases: ['firewallpolicy', 'fwp'],
  schema: firewallPolicySpecSchema,
  validate: validateFirewallPolicy,
  // Guest rules need the guests; deleted after them (their rules go with them).
  dependsOn: ['AppContainer', 'VirtualMachine'],
  watches: firewallPolicyWatches,
  columns: firewallPolicyColumns,
  inspect: inspectFirewallPolicy,
  createReconciler: (deps, tuning) =>
    createFirewallPolicyReconciler({ ...(tuning as Partial<FirewallPolicyDeps>), pve: deps.pve }),
};
