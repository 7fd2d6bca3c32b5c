/**
 * What queues an Appliance besides its own manifest: an AppContainer joining, changing (spec or
 * status: its MAC, its address) or leaving its LAN — the appliance re-renders DHCP, DNS and routes.
 */
import type { StoredObject, Watch } from '../../core/kind.js';
import { asRecord } from '../../core/records.js';

/** The appliance whose LAN `ct` joins (`spec.network.appliance`), if any. */
export function applianceOf(ct: StoredObject): string | undefined {
  const name = asRecord(ct.spec['network'])['appliance'];
  return typeof name === 'string' ? name : undefined;
}

export const applianceWatches: Watch[] = [
  {
    kind: 'AppContainer',
    map: (ct: StoredObject): string[] => {
      const name = applianceOf(ct);
      return name === undefined ? [] : [name];
    },
  },
];
