/**
 * How another kind reaches an Appliance's Caddy (the Certificate kind: its `appliance` target and
 * http-01 answers): through the very transport factory and layouts the Appliance kind uses, kept
 * once per composition root (`KindDeps.shared`), so both kinds talk to the same appliance — for a
 * simulated one, the same in-memory Caddy.
 */
import { PxrError } from '../../core/errors.js';
import type { ObjectReader } from '../../core/kind.js';
import { defaultCaddyLayout } from '../../appliance/render/caddy.js';
import type { CaddyReach } from '../../appliance/services/caddy-certs.js';
import type { KindDeps } from '../kind-module.js';
import type { ServiceLayouts } from './services.js';
import { resolveAppliance, type ApplianceSpec } from './spec.js';
import { defaultTransportFactory, type TransportFactory } from './transport-for.js';

export interface ApplianceReach {
  transportFor: TransportFactory;
  layouts: ServiceLayouts;
}

const KEY = 'appliance.reach';

/** The composition root's one reach; the first caller's `init` wins (the Appliance kind's). */
export function sharedApplianceReach(deps: KindDeps, init?: ApplianceReach): ApplianceReach {
  return deps.shared(
    KEY,
    () =>
      init ?? {
        transportFor: defaultTransportFactory({ clock: deps.clock, log: deps.log }),
        layouts: {},
      },
  );
}

/** The Appliance is missing or not Ready: a caller waits for it rather than failing. */
export class ApplianceNotReady extends PxrError {
  constructor(message: string) {
    super('APPLIANCE_NOT_READY', message);
    this.name = 'ApplianceNotReady';
  }
}

export const DEFAULT_CERT_DIR = '/etc/caddy/pxr-certs';

/**
 * Appliance `name`'s Caddy. Throws (retryable) while the Appliance does not exist or is not Ready:
 * its container and Caddy are not there to answer yet.
 */
export async function caddyReachOf(
  reader: ObjectReader,
  reach: ApplianceReach,
  name: string,
): Promise<CaddyReach> {
  const ref = { kind: 'Appliance', name };
  const obj = reader.get(ref);
  if (!obj || obj.deletionRequested)
    throw new ApplianceNotReady(`Appliance/${name} does not exist`);
  const st = reader.getStatus(ref);
  const vmid = st?.observed['vmid'];
  if (st?.ready !== true || typeof vmid !== 'number')
    throw new ApplianceNotReady(`Appliance/${name} is not ready yet`);
  const spec = resolveAppliance(obj.spec as ApplianceSpec);
  const transport = await reach.transportFor({ name, uid: obj.uid, vmid, spec });
  const layout = {
    ...defaultCaddyLayout,
    adminListen: spec.proxy.adminListen,
    ...(reach.layouts.caddy ?? {}),
  };
  return {
    transport,
    adminListen: layout.adminListen,
    address: reach.layouts.probeAddress ?? (layout.bindHost || '127.0.0.1'),
    httpPort: spec.proxy.httpPort,
    httpsPort: spec.proxy.httpsPort,
    certDir: reach.layouts.certDir ?? DEFAULT_CERT_DIR,
  };
}
