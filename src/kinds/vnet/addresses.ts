/**
 * The addresses a VNet holds: each subnet's gateway, on the VNet (the segment every guest NIC with
 * `bridge: <vnet>` joins, on whichever node) and on the host itself (every node of the zone holds
 * it, so a bridge elsewhere on the host with that address clashes too).
 */
import type { AddressClaim, AddressClaims } from '../../core/kind.js';
import type { ManifestDoc } from '../../core/manifest.js';
import { isRecord } from '../../core/records.js';

export function vnetAddresses(doc: ManifestDoc): AddressClaims {
  const segment = `vnet:${doc.name}`;
  const claims: AddressClaim[] = [];
  const subnets = Array.isArray(doc.spec['subnets']) ? doc.spec['subnets'] : [];
  subnets.forEach((s: unknown, i) => {
    if (!isRecord(s) || typeof s['gateway'] !== 'string') return;
    const field = `spec.subnets[${i}].gateway`;
    claims.push({ ip: s['gateway'], field, segment });
    claims.push({ ip: s['gateway'], field, segment: 'host:*' });
  });
  return { claims, same: [[segment, `*/${doc.name}`]] };
}
