/**
 * The three services of one appliance, built over one Transport, applied together. Each is applied on
 * its own — a refused Caddy config must not keep DHCP from converging — so the result has one entry
 * per service, a report or the error, for the Appliance kind to turn into a condition each.
 */
import type { Clock } from '../../core/clock.js';
import { toError } from '../../core/errors.js';
import type { ApplianceDesired } from '../desired.js';
import { defaultCaddyLayout } from '../render/caddy.js';
import type { CaddyLayout } from '../render/caddy.js';
import { defaultDnsmasqLayout } from '../render/dnsmasq.js';
import type { DnsmasqLayout } from '../render/dnsmasq.js';
import type { Transport } from '../transport/types.js';
import { CaddyService } from './caddy.js';
import { DnsmasqService } from './dnsmasq.js';
import { defaultNftLayout, NftService } from './nftables.js';
import type { NftLayout } from './nftables.js';
import type { ServiceName, ServiceReport } from './types.js';

export interface ApplianceServicesOptions {
  transport: Transport;
  clock: Clock;
  dnsmasq?: Partial<DnsmasqLayout> & { restartArgv?: string[] };
  nftables?: Partial<NftLayout>;
  caddy?: Partial<CaddyLayout> & { probeAddress?: string };
}

export interface ApplianceServices {
  dnsmasq: DnsmasqService;
  nftables: NftService;
  caddy: CaddyService;
}

export function createApplianceServices(o: ApplianceServicesOptions): ApplianceServices {
  const { restartArgv, ...dnsLayout } = o.dnsmasq ?? {};
  const { probeAddress, ...caddyLayout } = o.caddy ?? {};
  return {
    dnsmasq: new DnsmasqService({
      transport: o.transport,
      clock: o.clock,
      layout: { ...defaultDnsmasqLayout, ...dnsLayout },
      ...(restartArgv ? { restartArgv } : {}),
    }),
    nftables: new NftService({
      transport: o.transport,
      layout: { ...defaultNftLayout, ...o.nftables },
    }),
    caddy: new CaddyService({
      transport: o.transport,
      layout: { ...defaultCaddyLayout, ...caddyLayout },
      ...(probeAddress ? { probeAddress } : {}),
    }),
  };
}

export type ServiceOutcome =
  | { service: ServiceName; ok: true; report: ServiceReport }
  | { service: ServiceName; ok: false; error: Error };

/** Applies dnsmasq, nftables and Caddy in that order, each whatever became of the others. */
export async function applyApplianceServices(
  services: ApplianceServices,
  desired: ApplianceDesired,
): Promise<ServiceOutcome[]> {
  const out: ServiceOutcome[] = [];
  for (const svc of [services.dnsmasq, services.nftables, services.caddy]) {
    try {
      out.push({ service: svc.name, ok: true, report: await svc.apply(desired) });
    } catch (err) {
      out.push({ service: svc.name, ok: false, error: toError(err) });
    }
  }
  return out;
}
