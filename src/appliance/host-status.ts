/**
 * What an AppContainer on the appliance's LAN shows in its status: its address (the fixed one, else
 * the one dnsmasq actually leased to its MAC), its DNS name and the URLs of its routes.
 */
import type { ApplianceDesired } from './desired.js';
import type { Lease } from './render/dnsmasq.js';

export interface HostStatus {
  hostname: string;
  /** Undefined while a leased host has no lease yet. */
  ip: string | undefined;
  /** `fixed` from the spec, `lease` from the lease file. */
  ipSource: 'fixed' | 'lease' | undefined;
  dnsName: string;
  urls: string[];
}

export function hostStatuses(d: ApplianceDesired, leases: readonly Lease[]): HostStatus[] {
  const byMac = new Map(leases.map((l) => [l.mac.toLowerCase(), l.ip]));
  return d.hosts.map((h) => {
    const leased = byMac.get(h.mac.toLowerCase());
    const port = d.proxy.httpPort === 80 ? '' : `:${d.proxy.httpPort}`;
    return {
      hostname: h.hostname,
      ip: h.ip ?? leased,
      ipSource: h.ip ? 'fixed' : leased ? 'lease' : undefined,
      dnsName: `${h.hostname.toLowerCase()}.${d.dns.domain}`,
      urls: h.expose.map((e) => `http://${e.host.toLowerCase()}${port}${e.pathPrefix ?? '/'}`),
    };
  });
}
