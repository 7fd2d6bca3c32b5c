/**
 * What queues an AppContainer besides its own manifest: its appliance's status changing (a member's
 * reserved address and DNS name come from what the appliance rendered), so members show them at once.
 */
import type { Watch } from '../../core/kind.js';
import { applianceOf } from '../appliance/watches.js';

export const appContainerWatches: Watch[] = [
  {
    kind: 'Appliance',
    map: (appliance, reader) =>
      reader
        .list('AppContainer')
        .filter((ct) => applianceOf(ct) === appliance.name)
        .map((ct) => ct.name),
  },
];
