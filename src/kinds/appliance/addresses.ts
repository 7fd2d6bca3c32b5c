/**
 * The addresses an Appliance holds: its LAN address (on the LAN bridge, which is also the segment
 * its members join by name) and a static WAN address.
 */
import type { AddressClaim, AddressClaims } from '../../core/kind.js';
import type { ManifestDoc } from '../../core/manifest.js';
import { asRecord } from '../../core/records.js';

export function applianceAddresses(doc: ManifestDoc): AddressClaims {
  const node = doc.spec['node'];
  if (typeof node !== 'string') return { claims: [] };
  const claims: AddressClaim[] = [];
  const same: [string, string][] = [];
  const lan = asRecord(doc.spec['lan']);
  if (typeof lan['bridge'] === 'string') {
    const segment = `${node}/${lan['bridge']}`;
    same.push([`appliance:${doc.name}`, segment]);
    if (typeof lan['cidr'] === 'string')
      claims.push({ ip: lan['cidr'].split('/')[0] ?? '', field: 'spec.lan.cidr', segment });
  }
  const wan = asRecord(doc.spec['wan']);
  if (typeof wan['bridge'] === 'string' && typeof wan['ip'] === 'string' && wan['ip'] !== 'dhcp') {
    claims.push({
      ip: wan['ip'].split('/')[0] ?? '',
      field: 'spec.wan.ip',
      segment: `${node}/${wan['bridge']}`,
    });
  }
  return { claims, same };
}
