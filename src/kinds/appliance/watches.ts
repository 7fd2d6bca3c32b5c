/**
 * What queues an Appliance besides its own manifest: an AppContainer joining, changing (spec or
 * status: its MAC, its address) or leaving its LAN — the appliance re-renders DHCP, DNS and routes.
 */
import type { StoredObject, Watch } from '../../core/kind.js';
import { rawApplianceNic } from '../guest-nics/nics.js';

/** The appliance whose LAN `ct` joins (a NIC's `appliance`), if any. */
export function applianceOf(ct: StoredObject): string | undefined {
  return rawApplianceNic(ct.spec)?.name;
}

const toAppliance = (obj: StoredObject): string[] => {
  const name = applianceOf(obj);
  return name === undefined ? [] : [name];
};

export const applianceWatches: Watch[] = [
  { kind: 'AppContainer', map: toAppliance },
  { kind: 'VirtualMachine', map: toAppliance },
];
