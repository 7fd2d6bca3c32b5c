/**
 * AppContainer at hosting-provider scale: 1,000 containers on 4 simulated nodes, 10 ms of latency
 * on every API request, the real runtime (Manager, SQLite file store) and the real client.
 * Measures the time to converge from empty, the Proxmox calls of a converged sweep (per container,
 * beside a naive read-everything sweep), the sweep's duration, and CPU/memory while idle.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { systemClock } from '../src/core/clock.js';
import { Manager } from '../src/core/manager.js';
import { AppContainerReconciler } from '../src/kinds/app-container/reconciler.js';
import { kindDefinitions } from '../src/kinds/registry.js';
import { createPveClient } from '../src/pve/client.js';
import { lxcInterfaces, lxcReadConfig, lxcStatus } from '../src/pve/lxc.js';
import type { PveClient } from '../src/pve/types.js';
import { createSimulator } from '../src/sim/simulator.js';
import type { ManifestDoc } from '../src/source/types.js';
import { openStore, type Store } from '../src/store/store.js';
import type { Row } from './table.js';

const CONTAINERS = 1000;
const NODES = ['pve1', 'pve2', 'pve3', 'pve4'];
const LATENCY_MS = 10;
const TEMPLATE = 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst';

function docs(): ManifestDoc[] {
  return Array.from({ length: CONTAINERS }, (_, i) => ({
    apiVersion: 'pxr/v1alpha1',
    kind: 'AppContainer',
    name: `app-${i}`,
    labels: {},
    annotations: {},
    spec: {
      node: NODES[i % NODES.length]!,
      template: TEMPLATE,
      resources: { cores: 1, memory: 256, swap: 0, disk: { size: 2, storage: 'local-lvm' } },
      network:
        // Half of each node's containers on DHCP (the simulated pool holds 150 leases per bridge).
        Math.floor(i / NODES.length) % 2 === 0
          ? { bridge: 'vmbr0', ip: 'dhcp', firewall: true }
          : { bridge: 'vmbr0', ip: `10.${i >> 8}.${i & 255}.10/8`, gateway: '10.0.0.1' },
      tags: ['bench'],
    },
    location: { file: `apps/app-${i}.yaml`, line: 1, column: 1 },
  }));
}

export const total = (pve: PveClient): number =>
  Object.values(pve.calls()).reduce((n, c) => n + c.count, 0);
export const writes = (pve: PveClient): number =>
  Object.entries(pve.calls())
    .filter(([k]) => !k.startsWith('GET '))
    .reduce((n, [, c]) => n + c.count, 0);

/** Polls (500 ms) until `cond` holds or `limitMs` passes; returns the elapsed ms. */
export async function until(cond: () => boolean, limitMs: number, what: string): Promise<number> {
  const t0 = performance.now();
  while (!cond()) {
    if (performance.now() - t0 > limitMs) throw new Error(`timed out waiting for ${what}`);
    await systemClock.sleep(500);
  }
  return performance.now() - t0;
}

export interface SweepResult {
  ms: number;
  calls: number;
  pveWrites: number;
  rows: number;
  lists: number;
}

/** Objects of `kind` whose Ready condition is True. */
export function readyCount(store: Store, kind: string): number {
  return store.objects
    .list(kind)
    .filter((o) =>
      store.status.get(o)?.conditions.some((c) => c.type === 'Ready' && c.status === 'True'),
    ).length;
}

/**
 * One converged sweep of `kind`, as the periodic resync runs it (the shared list has expired by
 * then): its duration, Proxmox calls and writes, SQLite rows changed, `/cluster/resources` reads.
 */
export async function convergedSweep(o: {
  manager: Manager;
  store: Store;
  pve: PveClient;
  kind: string;
  cache: { invalidate(): void };
}): Promise<SweepResult> {
  const { pve, store } = o;
  o.cache.invalidate();
  const c0 = total(pve);
  const w0 = writes(pve);
  const r0 = store.totalChanges();
  const l0 = pve.calls()['GET /cluster/resources']?.count ?? 0;
  const t0 = performance.now();
  o.manager.controller(o.kind)!.enqueueAll();
  await o.manager.waitForIdle();
  return {
    ms: performance.now() - t0,
    calls: total(pve) - c0,
    pveWrites: writes(pve) - w0,
    rows: store.totalChanges() - r0,
    lists: (pve.calls()['GET /cluster/resources']?.count ?? 0) - l0,
  };
}

/** The rows every guest benchmark reports for its converged sweep (`per`: container, VM). */
export function sweepRows(s: SweepResult, count: number, per: string): Row[] {
  const perGuest = s.calls / count;
  return [
    {
      name: `calls per ${per}, converged sweep`,
      value: perGuest,
      unit: 'calls',
      target: '<= 1.1',
      ok: perGuest <= 1.1,
    },
    {
      name: '/cluster/resources reads per sweep',
      value: s.lists,
      unit: 'calls',
      target: '1',
      ok: s.lists === 1,
    },
    { name: 'converged sweep duration', value: s.ms, unit: 'ms' },
    {
      name: 'Proxmox writes in a converged sweep',
      value: s.pveWrites,
      unit: 'calls',
      target: '0',
      ok: s.pveWrites === 0,
    },
    {
      name: 'SQLite rows changed in a converged sweep',
      value: s.rows,
      unit: 'rows',
      target: '0',
      ok: s.rows === 0,
    },
  ];
}

/** What a controller without the shared list would read per container on every sweep. */
async function naiveSweep(pve: PveClient, where: { vmid: number; node: string }[]): Promise<void> {
  const queue = [...where];
  const worker = async (): Promise<void> => {
    for (let w = queue.shift(); w; w = queue.shift()) {
      await pve.get(`/nodes/${w.node}/lxc/${w.vmid}/config`);
      await lxcReadConfig(pve, w.node, w.vmid);
      await lxcStatus(pve, w.node, w.vmid);
      await lxcInterfaces(pve, w.node, w.vmid);
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}

export async function benchAppContainers(): Promise<Row[]> {
  const dir = await mkdtemp(join(tmpdir(), 'pxr-bench-ct-'));
  const log = pino({ level: 'silent' });
  const sim = createSimulator({ nodes: NODES, taskTimeScale: 0.01, latencyMs: LATENCY_MS });
  const url = await sim.start();
  const pve = createPveClient({
    url,
    tokenId: sim.tokenId,
    tokenSecret: sim.tokenSecret,
    clock: systemClock,
    logger: log,
    concurrency: 16,
  });
  const store = openStore(join(dir, 'pxr.db'), { clock: systemClock });
  const kinds = kindDefinitions();
  const reconciler = new AppContainerReconciler({
    pve,
    clock: systemClock,
    taskPollMs: 100,
  });
  kinds.find((k) => k.kind === 'AppContainer')!.reconciler = reconciler;
  const manager = new Manager({
    store,
    clock: systemClock,
    log,
    kinds,
    resyncMs: 0,
    concurrency: 32,
  });
  try {
    manager.start();
    const ready = (): number => readyCount(store, 'AppContainer');

    // 1. From empty to 1,000 running containers.
    const createCalls0 = total(pve);
    manager.applySnapshot({
      docs: docs(),
      issues: [],
      invalidFiles: [],
      fileCount: CONTAINERS,
      readAt: 0,
    });
    const convergeMs = await until(() => ready() === CONTAINERS, 600_000, 'convergence');
    await manager.waitForIdle();
    const createCalls = total(pve) - createCalls0;

    // 2. A converged sweep, as the periodic resync runs it (the shared list has expired by then).
    const sweep = (): Promise<SweepResult> =>
      convergedSweep({ manager, store, pve, kind: 'AppContainer', cache: reconciler.cache });
    await sweep(); // warm
    const s = await sweep();

    // 3. The naive sweep for comparison.
    const where = store.objects.list('AppContainer').map((o) => {
      const obs = store.status.get(o)?.observed ?? {};
      return { vmid: Number(obs['vmid']), node: String(obs['node']) };
    });
    const n0 = total(pve);
    const tn = performance.now();
    await naiveSweep(pve, where);
    const naiveMs = performance.now() - tn;
    const naiveCalls = total(pve) - n0;

    // 4. Idle and converged: CPU and memory over a quiet window.
    global.gc?.();
    const cpu0 = process.cpuUsage();
    const idle0 = performance.now();
    await systemClock.sleep(3000);
    const cpu = process.cpuUsage(cpu0);
    const idleCpu = ((cpu.user + cpu.system) / 1000 / (performance.now() - idle0)) * 100;
    const mem = process.memoryUsage();

    return [
      {
        name: `converge from empty (${CONTAINERS} CTs, ${NODES.length} nodes, ${LATENCY_MS} ms latency)`,
        value: convergeMs / 1000,
        unit: 's',
      },
      {
        name: 'Proxmox calls to converge, per container',
        value: createCalls / CONTAINERS,
        unit: 'calls',
      },
      ...sweepRows(s, CONTAINERS, 'container'),
      {
        name: 'calls per container, naive read-everything sweep',
        value: naiveCalls / CONTAINERS,
        unit: 'calls',
      },
      { name: 'naive sweep duration', value: naiveMs, unit: 'ms' },
      {
        name: 'CPU while idle and converged (incl. in-process simulator)',
        value: idleCpu,
        unit: '%',
      },
      { name: 'RSS while idle (incl. simulator)', value: mem.rss / 1024 ** 2, unit: 'MiB' },
      {
        name: 'heap used while idle (incl. simulator)',
        value: mem.heapUsed / 1024 ** 2,
        unit: 'MiB',
      },
    ];
  } finally {
    await manager.stop(5000);
    store.close();
    await pve.close();
    await sim.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, ''))) {
  const { renderRows } = await import('./table.js');
  console.log(renderRows('AppContainer sweep', await benchAppContainers()));
}
