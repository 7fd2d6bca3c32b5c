/**
 * What queues a VirtualMachine besides its own manifest: its appliance changing (a member's DNS name
 * comes from the appliance's domain), so a member shows it at once.
 */
import type { Watch } from '../../core/kind.js';
import { applianceOf } from '../appliance/watches.js';

export const virtualMachineWatches: Watch[] = [
  {
    kind: 'Appliance',
    map: (appliance, reader) =>
      reader
        .list('VirtualMachine')
        .filter((vm) => applianceOf(vm) === appliance.name)
        .map((vm) => vm.name),
  },
];
