/** A container's static addresses, one per NIC, on its bridge or on the LAN of the appliance it joins. */
import type { AddressClaims } from '../../core/kind.js';
import type { ManifestDoc } from '../../core/manifest.js';
import { nicPath, rawNics } from '../guest-nics/nics.js';

export function appContainerAddresses(doc: ManifestDoc): AddressClaims {
  const node = doc.spec['node'];
  if (typeof node !== 'string') return { claims: [] };
  const claims: AddressClaims['claims'] = [];
  rawNics(doc.spec).forEach((net, i) => {
    const ip = net['ip'];
    if (typeof ip !== 'string' || ip === 'dhcp' || ip === 'none') return;
    const segment =
      typeof net['appliance'] === 'string'
        ? `appliance:${net['appliance']}`
        : typeof net['bridge'] === 'string'
          ? // A VLAN tag makes another segment on the same bridge.
            `${node}/${net['bridge']}${typeof net['vlan'] === 'number' ? `.${net['vlan']}` : ''}`
          : undefined;
    if (segment === undefined) return;
    claims.push({ ip: ip.split('/')[0] ?? ip, field: `spec.${nicPath(doc.spec, i)}.ip`, segment });
  });
  return { claims };
}
