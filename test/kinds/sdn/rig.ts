/**
 * The SDN kinds run by the real runtime (Manager, controllers, SQLite store) against the simulator
 * over HTTP with the real client, on the system clock (the simulated apply takes 2 ms).
 */
import pino from 'pino';
import { systemClock } from '../../../src/core/clock.js';
import type { ManifestDoc } from '../../../src/core/manifest.js';
import { Manager } from '../../../src/core/manager.js';
import { createKindDeps } from '../../../src/kinds/kind-module.js';
import { kindDefinitions } from '../../../src/kinds/registry.js';
import { createPveClient } from '../../../src/pve/client.js';
import type { PveClient } from '../../../src/pve/types.js';
import { openStore, type Store } from '../../../src/store/store.js';
import { doc, snap } from '../../core/helpers.js';
import { startSim, type StartedSim } from '../../helpers/sim.js';
import { waitFor } from '../../helpers/wait.js';

export interface SdnRig {
  s: StartedSim;
  pve: PveClient;
  store: Store;
  manager: Manager;
  /** Calls made so far, by `METHOD /route`. */
  count(call: string): number;
  writes(): number;
  ready(kind: string, name: string): boolean;
  apply(docs: ManifestDoc[]): void;
  sweep(): Promise<void>;
  reasons(kind: string, name: string): string[];
  close(): Promise<void>;
}

/** The mesh pair the tests converge. */
export const BOTH: [string, string][] = [
  ['SdnZone', 'meshzone'],
  ['VNet', 'mesh'],
];

export const zoneDoc = (name = 'meshzone', spec: Record<string, unknown> = {}): ManifestDoc =>
  doc('SdnZone', name, { type: 'simple', dhcp: 'dnsmasq', ipam: 'pve', ...spec });

export const vnetDoc = (
  name = 'mesh',
  spec: Record<string, unknown> = {},
  subnet: Record<string, unknown> = {},
): ManifestDoc =>
  doc('VNet', name, {
    zone: 'meshzone',
    alias: 'service mesh',
    subnets: [
      {
        cidr: '172.16.100.0/24',
        gateway: '172.16.100.1',
        snat: true,
        dhcpRanges: [{ start: '172.16.100.100', end: '172.16.100.200' }],
        ...subnet,
      },
    ],
    ...spec,
  });

export async function startSdnRig(opts: { sdnLock?: boolean } = {}): Promise<SdnRig> {
  const s = await startSim({ taskTimeScale: 0.001, ...opts });
  const log = pino({ level: 'silent' });
  const pve = createPveClient({
    url: s.url,
    tokenId: s.tokenId,
    tokenSecret: s.tokenSecret,
    clock: systemClock,
    logger: log,
  });
  const store = openStore(':memory:', { clock: systemClock });
  const kinds = kindDefinitions().filter((k) => k.kind === 'SdnZone' || k.kind === 'VNet');
  const deps = createKindDeps(pve, systemClock, log);
  for (const k of kinds) {
    k.reconciler = k.createReconciler(deps, { pollMs: 5, waitRequeueMs: 30, foreignRequeueMs: 50 });
  }
  const manager = new Manager({
    store,
    clock: systemClock,
    log,
    kinds,
    resyncMs: 0,
    backoff: { random: () => 0, baseMs: 20, maxMs: 100 },
    notReadyRequeueMs: 30,
    ingest: { maxPruneRatio: 1 },
  });
  manager.start();
  const count = (call: string): number => pve.calls()[call]?.count ?? 0;
  return {
    s,
    pve,
    store,
    manager,
    count,
    writes: () =>
      Object.entries(pve.calls())
        .filter(([k]) => !k.startsWith('GET '))
        .reduce((n, [, v]) => n + v.count, 0),
    ready(kind, name) {
      const o = store.objects.get({ kind, name });
      const st = o && store.status.get(o);
      return (
        st !== undefined &&
        st.observedGeneration >= o!.generation &&
        st.conditions.some((c) => c.type === 'Ready' && c.status === 'True')
      );
    },
    apply: (docs) => manager.applySnapshot(snap(docs)),
    async sweep() {
      for (const k of ['SdnZone', 'VNet']) manager.controller(k)!.enqueueAll();
      await manager.waitForIdle();
    },
    reasons: (kind, name) => store.events.list({ ref: { kind, name } }).map((e) => e.reason),
    async close() {
      await manager.stop(2000);
      store.close();
      await pve.close();
      await s.close();
    },
  };
}

export async function converge(rig: SdnRig, names: [string, string][]): Promise<void> {
  await waitFor(
    `${names.map(([k, n]) => `${k}/${n}`).join(', ')} Ready`,
    () => names.every(([k, n]) => rig.ready(k, n)),
    30_000,
  );
  await rig.manager.waitForIdle();
}
