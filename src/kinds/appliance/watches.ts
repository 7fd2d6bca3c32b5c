/**
 * What queues an Appliance besides its own manifest: an AppContainer joining, changing (spec or
 * status: its MAC, its address) or leaving its LAN — the appliance re-renders DHCP, DNS and routes.
 */
import type { StoredObject, Watch } from '../../core/kind.js';
import { asRecord } from '../../core/records.js';

/** The appliance whose LAN `ct` joins (`spec.network.appliance`, or a VM's `spec.networks[].appliance`). */
export function applianceOf(ct: StoredObject): string | undefined {
  const name = asRecord(ct.spec['network'])['appliance'];
  if (typeof name === 'string') return name;
  const list = ct.spec['networks'];
  const nic = Array.isArray(list)
    ? list.map((n) => asRecord(n)['appliance']).find((a) => typeof a === 'string')
    : undefined;
  return typeof nic === 'string' ? nic : undefined;
}

const toAppliance = (obj: StoredObject): string[] => {
  const name = applianceOf(obj);
  return name === undefined ? [] : [name];
};

export const applianceWatches: Watch[] = [
  { kind: 'AppContainer', map: toAppliance },
  { kind: 'VirtualMachine', map: toAppliance },
];
