/** A container's static address, on its bridge or on the LAN of the appliance it joins. */
import type { AddressClaims } from '../../core/kind.js';
import type { ManifestDoc } from '../../core/manifest.js';
import { asRecord } from '../../core/records.js';

export function appContainerAddresses(doc: ManifestDoc): AddressClaims {
  const node = doc.spec['node'];
  const net = asRecord(doc.spec['network']);
  const ip = net['ip'];
  if (typeof node !== 'string' || typeof ip !== 'string' || ip === 'dhcp') return { claims: [] };
  const segment =
    typeof net['appliance'] === 'string'
      ? `appliance:${net['appliance']}`
      : typeof net['bridge'] === 'string'
        ? `${node}/${net['bridge']}`
        : undefined;
  if (segment === undefined) return { claims: [] };
  return { claims: [{ ip: ip.split('/')[0] ?? ip, field: 'spec.network.ip', segment }] };
}
