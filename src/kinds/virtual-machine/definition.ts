/** The VirtualMachine kind as the registry lists it: schema, checks, CLI names, columns, reconciler. */
import type { KindModule } from '../kind-module.js';
import { appContainerAddresses } from '../app-container/addresses.js';
import { sharedLxcEngine } from '../app-container/engine.js';
import { virtualMachineColumns } from './columns.js';
import { VirtualMachineReconciler, type VirtualMachineDeps } from './reconciler.js';
import { virtualMachineSpecSchema } from './schema.js';
import type { VirtualMachineSpec } from './spec.js';
import { validateVirtualMachine } from './validate.js';
import { virtualMachineWatches } from './watches.js';

export const virtualMachineKind: KindModule<VirtualMachineSpec> = {
  kind: 'VirtualMachine',
  plural: 'virtualmachines',
  aliases: ['virtualmachine', 'vm'],
  schema: virtualMachineSpecSchema,
  validate: validateVirtualMachine,
  // Static addresses per NIC, checked for conflicts with every other guest's (same NIC list).
  addresses: appContainerAddresses,
  dependsOn: ['Bridge', 'VNet', 'Appliance'],
  watches: virtualMachineWatches,
  columns: virtualMachineColumns,
  createReconciler: (deps, tuning) => {
    const t = tuning as Partial<VirtualMachineDeps>;
    // The containers' engine: one `/cluster/resources` per sweep and one VMID allocator for both kinds.
    return new VirtualMachineReconciler({
      ...t,
      pve: deps.pve,
      clock: deps.clock,
      engine: sharedLxcEngine(deps, t.resourcesTtlMs),
    });
  },
};
