/**
 * The Appliance kind run the way `pxr run --sim` runs it: the real runtime (Manager, controllers,
 * SQLite store) with the kinds built by the composition root's `withReconcilers`, the simulator over
 * HTTP with the real proxmox-api client, and the simulated appliance transport — one per appliance,
 * kept here so a test can read and break what is inside.
 */
import pino from 'pino';
import { ManualClock } from '../../../src/core/clock.js';
import type { Manager } from '../../../src/core/manager.js';
import { createManager } from '../../../src/cli/controller-app.js';
import { createPveClient } from '../../../src/pve/client.js';
import type { PveClient } from '../../../src/pve/types.js';
import { openStore, type Store } from '../../../src/store/store.js';
import { SimulatedTransport } from '../../../src/appliance/transport/simulated.js';
import type { TransportFactory } from '../../../src/kinds/appliance/index.js';
import { startSim, type StartedSim } from '../../helpers/sim.js';
import { doc } from '../../core/helpers.js';
import type { ManifestDoc } from '../../../src/source/types.js';

export const TEMPLATE = 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst';

export interface ApplianceRig {
  s: StartedSim;
  pve: PveClient;
  clock: ManualClock;
  store: Store;
  manager: Manager;
  /** The simulated appliance of each Appliance object, by name. */
  appliances: Map<string, SimulatedTransport>;
  /** Transports the factory was asked for (name → count). */
  asked: Map<string, number>;
  count(key: string): number;
  writes(): number;
  /** Moves time in steps until `cond` holds (bounded); fails naming `what`. */
  until(cond: () => boolean, what: string): Promise<void>;
  ready(kind: string, name: string): boolean;
  observed(kind: string, name: string): Record<string, unknown>;
  close(): Promise<void>;
}

export async function applianceRig(): Promise<ApplianceRig> {
  const clock = new ManualClock();
  const s = await startSim({ clock, taskTimeScale: 0.25 });
  const pve = createPveClient({
    url: s.url,
    tokenId: s.tokenId,
    tokenSecret: s.tokenSecret,
    clock,
    logger: pino({ level: 'silent' }),
  });
  for (const iface of ['vmbr10'])
    await pve.createNetwork('pve', iface, { type: 'bridge', autostart: 1 });
  const upid = await pve.applyNetwork('pve');
  for (let i = 0; i < 60 && (await pve.taskStatus('pve', upid)).status === 'running'; i++)
    clock.advance(1000);

  const store = openStore(':memory:', { clock });
  const appliances = new Map<string, SimulatedTransport>();
  const asked = new Map<string, number>();
  const transportFor: TransportFactory = (target) => {
    asked.set(target.name, (asked.get(target.name) ?? 0) + 1);
    let t = appliances.get(target.name);
    if (!t) {
      t = new SimulatedTransport({ caddyAdminListen: target.spec.proxy.adminListen });
      appliances.set(target.name, t);
    }
    return Promise.resolve(t);
  };
  // The manager is built after the kinds; members reach it through this holder.
  const { manager } = createManager(store, pve, {
    clock,
    log: pino({ level: 'silent' }),
    resyncMs: 0,
    backoff: { random: () => 0 },
    kindTuning: {
      Appliance: { taskPollMs: 1000, transportFor },
      AppContainer: { taskPollMs: 1000 },
    },
  });
  manager.start();
  const m = manager;
  const ready = (kind: string, name: string): boolean => {
    const obj = store.objects.get({ kind, name });
    if (!obj) return false;
    const st = store.status.get(obj);
    return st?.conditions.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  };
  const observed = (kind: string, name: string): Record<string, unknown> => {
    const obj = store.objects.get({ kind, name });
    return (obj && store.status.get(obj)?.observed) ?? {};
  };
  return {
    s,
    pve,
    clock,
    store,
    manager: m,
    appliances,
    asked,
    count: (k) => pve.calls()[k]?.count ?? 0,
    writes: () =>
      Object.entries(pve.calls())
        .filter(([k]) => !k.startsWith('GET '))
        .reduce((n, [, v]) => n + v.count, 0),
    until: async (cond, what) => {
      for (let i = 0; i < 300 && !cond(); i++) {
        await m.waitForIdle();
        if (cond()) return;
        clock.advance(1000);
      }
      if (!cond()) throw new Error(`timed out waiting for ${what}`);
    },
    ready,
    observed,
    close: async () => {
      await m.stop(1000);
      store.close();
      await pve.close();
      await s.close();
    },
  };
}

/** The app LAN of the demo: an appliance on vmbr0/vmbr10 and its members. */
export function gateway(spec: Record<string, unknown> = {}, annotations = {}): ManifestDoc {
  return doc(
    'Appliance',
    'gw',
    {
      node: 'pve',
      template: TEMPLATE,
      wan: { bridge: 'vmbr0', ip: 'dhcp' },
      lan: { bridge: 'vmbr10', cidr: '10.20.0.1/24' },
      dhcp: {
        range: { start: '10.20.0.100', end: '10.20.0.199' },
        reservedRange: { start: '10.20.0.10', end: '10.20.0.99' },
      },
      dns: { domain: 'prox.local', upstream: ['1.1.1.1'] },
      access: { transport: 'simulated' },
      ...spec,
    },
    { annotations },
  );
}

export function member(
  name: string,
  network: Record<string, unknown>,
  expose: Array<{ host: string; port: number; pathPrefix?: string }> = [],
): ManifestDoc {
  return doc('AppContainer', name, {
    node: 'pve',
    template: TEMPLATE,
    network: { appliance: 'gw', ...network },
    expose,
  });
}
