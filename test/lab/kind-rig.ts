/**
 * pxr as `pxr run` wires it, for the lab: the real Manager and SQLite store with the kinds built by
 * the composition root (`withReconcilers`), the simulator over HTTP with the real proxmox-api client
 * for the LXC part, and the Appliance kind's own transport factory (ssh, from the manifest's
 * `access`) wrapped only to count calls. Real time throughout: the services wait on real daemons.
 * (test/kinds/appliance/rig.ts is the same wiring on a ManualClock with the simulated appliance.)
 */
import pino from 'pino';
import { systemClock } from '../../src/core/clock.js';
import type { Manager } from '../../src/core/manager.js';
import { createManager } from '../../src/cli/controller-app.js';
import { createPveClient } from '../../src/pve/client.js';
import type { PveClient } from '../../src/pve/types.js';
import { openStore, type Store } from '../../src/store/store.js';
import {
  defaultTransportFactory,
  type ServiceLayouts,
  type TransportFactory,
} from '../../src/kinds/appliance/index.js';
import type { ObjectRef } from '../../src/core/kind.js';
import type { HistoryRecord } from '../../src/store/history-repo.js';
import { startSim, type StartedSim } from '../helpers/sim.js';
import { waitFor } from '../helpers/wait.js';
import { CountingTransport } from './counting-transport.js';

export interface PassResult {
  history: HistoryRecord | undefined;
  /** Calls over the appliance transport in this pass (> 0: the pass did look at the appliance). */
  calls: number;
  ms: number;
}

export interface KindRig {
  s: StartedSim;
  pve: PveClient;
  store: Store;
  manager: Manager;
  /** Calls made over the appliance transport(s) so far. */
  transportCalls(): number;
  ready(kind: string, name: string): boolean;
  condition(ref: ObjectRef, type: string): string | undefined;
  observed(kind: string, name: string): Record<string, unknown>;
  /** Waits (bounded, real time) until `cond` holds. */
  until(what: string, cond: () => boolean, timeoutMs?: number): Promise<void>;
  /**
   * One resync pass of one Appliance: queued now, returns once every controller is idle, with the
   * history row it wrote (undefined: the pass changed nothing, and a no-op pass writes no row).
   */
  resync(name: string): Promise<PassResult>;
  close(): Promise<void>;
}

export async function startKindRig(opts: {
  dbPath: string;
  layouts: ServiceLayouts;
}): Promise<KindRig> {
  const clock = systemClock;
  // Simulated Proxmox tasks take a hundredth of their nominal time.
  const s = await startSim({ clock, taskTimeScale: 0.01 });
  const pve = createPveClient({
    url: s.url,
    tokenId: s.tokenId,
    tokenSecret: s.tokenSecret,
    clock,
    logger: pino({ level: 'silent' }),
  });
  await pve.createNetwork('pve', 'vmbr10', { type: 'bridge', autostart: 1 });
  const upid = await pve.applyNetwork('pve');
  await waitFor('the network apply task', async () =>
    (await pve.taskStatus('pve', upid)).status !== 'running' ? true : undefined,
  );

  const store = openStore(opts.dbPath, { clock });
  const factory = defaultTransportFactory({ clock });
  const counters = new Map<object, CountingTransport>();
  const transportFor: TransportFactory = async (target) => {
    const t = await factory(target);
    let c = counters.get(t);
    if (!c) {
      c = new CountingTransport(t);
      counters.set(t, c);
    }
    return c;
  };
  const { manager } = createManager(store, pve, {
    clock,
    log: pino({ level: 'silent' }),
    // Passes happen when the test asks for them (a resync), never on a timer behind its back.
    resyncMs: 0,
    backoff: { random: () => 0 },
    kindTuning: {
      Appliance: { taskPollMs: 100, transportFor, layouts: opts.layouts },
      AppContainer: { taskPollMs: 100 },
    },
  });
  manager.start();

  const statusOf = (kind: string, name: string): ReturnType<Store['status']['get']> => {
    const obj = store.objects.get({ kind, name });
    return obj ? store.status.get(obj) : undefined;
  };
  const transportCalls = (): number => [...counters.values()].reduce((n, c) => n + c.calls, 0);
  const condition = (ref: ObjectRef, type: string): string | undefined =>
    statusOf(ref.kind, ref.name)?.conditions.find((c) => c.type === type)?.status;
  return {
    s,
    pve,
    store,
    manager,
    transportCalls,
    ready: (kind, name) => condition({ kind, name }, 'Ready') === 'True',
    condition,
    observed: (kind, name) => statusOf(kind, name)?.observed ?? {},
    until: async (what, cond, timeoutMs = 60_000) => {
      await waitFor(what, () => cond() || undefined, timeoutMs, 100);
    },
    resync: async (name) => {
      const ref = { kind: 'Appliance', name };
      const last = store.history.list(ref, 1)[0]?.id ?? 0;
      const controller = manager.controller('Appliance');
      if (!controller) throw new Error('no Appliance controller');
      const calls = transportCalls();
      const started = performance.now();
      controller.enqueue(name);
      await manager.waitForIdle();
      const rec = store.history.list(ref, 1)[0];
      return {
        history: rec && rec.id !== last ? rec : undefined,
        calls: transportCalls() - calls,
        ms: Math.round(performance.now() - started),
      };
    },
    close: async () => {
      await manager.stop(10_000);
      await factory.closeAll();
      store.close();
      await pve.close();
      await s.close();
    },
  };
}
