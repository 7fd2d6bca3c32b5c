/** The host address a Bridge (or host VLAN interface) holds on its segment. */
import type { AddressClaims } from '../../core/kind.js';
import type { ManifestDoc } from '../../core/manifest.js';

export function bridgeAddresses(doc: ManifestDoc): AddressClaims {
  const { node, iface, cidr } = doc.spec;
  if (typeof cidr !== 'string' || typeof node !== 'string' || typeof iface !== 'string')
    return { claims: [] };
  return {
    claims: [
      { ip: cidr.split('/')[0] ?? cidr, field: 'spec.cidr', segment: `${node}/${iface}` },
      // A host address: a VNet gateway (held by every node) with the same address clashes too.
      { ip: cidr.split('/')[0] ?? cidr, field: 'spec.cidr', segment: `host:${node}` },
    ],
  };
}
