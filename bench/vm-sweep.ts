/**
 * VirtualMachine sweeps: 200 VMs on 4 simulated nodes (10 ms latency), the real runtime (Manager,
 * SQLite file store) and the real client. Measures the time to converge from empty and, for a
 * converged sweep, Proxmox calls per VM (one shared `/cluster/resources` + one `GET /pending` each),
 * Proxmox writes and SQLite rows changed (both 0).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { systemClock } from '../src/core/clock.js';
import { Manager } from '../src/core/manager.js';
import { VirtualMachineReconciler } from '../src/kinds/virtual-machine/reconciler.js';
import { kindDefinitions } from '../src/kinds/registry.js';
import { createPveClient } from '../src/pve/client.js';
import { createSimulator } from '../src/sim/simulator.js';
import { SEED_CLOUD_IMAGE } from '../src/sim/seed.js';
import type { ManifestDoc } from '../src/source/types.js';
import { openStore } from '../src/store/store.js';
import {
  convergedSweep,
  readyCount,
  sweepRows,
  total,
  until,
  type SweepResult,
} from './app-container-sweep.js';
import type { Row } from './table.js';

const VMS = 200;
const NODES = ['pve1', 'pve2', 'pve3', 'pve4'];
const LATENCY_MS = 10;
const IMAGE = SEED_CLOUD_IMAGE.volid;

function docs(): ManifestDoc[] {
  return Array.from({ length: VMS }, (_, i) => ({
    apiVersion: 'pxr/v1alpha1',
    kind: 'VirtualMachine',
    name: `vm-${i}`,
    labels: {},
    annotations: {},
    spec: {
      node: NODES[i % NODES.length]!,
      source: { image: IMAGE },
      memory: 256,
      disks: [{ size: 4, discard: true }],
      networks: [{ bridge: 'vmbr0', ip: `10.${i >> 8}.${i & 255}.10/8`, gateway: '10.0.0.1' }],
      cloudInit: { user: 'ops' },
      // The agent would be asked once per start; the sweep measured here is the steady state.
      agent: false,
      tags: ['bench'],
    },
    location: { file: `vms/vm-${i}.yaml`, line: 1, column: 1 },
  }));
}

export async function benchVms(): Promise<Row[]> {
  const dir = await mkdtemp(join(tmpdir(), 'pxr-bench-vm-'));
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
  const reconciler = new VirtualMachineReconciler({ pve, clock: systemClock, taskPollMs: 100 });
  kinds.find((k) => k.kind === 'VirtualMachine')!.reconciler = reconciler;
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
    const ready = (): number => readyCount(store, 'VirtualMachine');
    const c0 = total(pve);
    manager.applySnapshot({
      docs: docs(),
      issues: [],
      invalidFiles: [],
      fileCount: VMS,
      readAt: 0,
    });
    const convergeMs = await until(() => ready() === VMS, 600_000, 'convergence');
    await manager.waitForIdle();
    const createCalls = total(pve) - c0;

    const sweep = (): Promise<SweepResult> =>
      convergedSweep({ manager, store, pve, kind: 'VirtualMachine', cache: reconciler.cache });
    await sweep(); // warm
    const s = await sweep();
    return [
      {
        name: `converge from empty (${VMS} VMs, ${NODES.length} nodes, ${LATENCY_MS} ms latency)`,
        value: convergeMs / 1000,
        unit: 's',
      },
      { name: 'Proxmox calls to converge, per VM', value: createCalls / VMS, unit: 'calls' },
      ...sweepRows(s, VMS, 'VM'),
    ];
  } finally {
    await manager.stop(5000);
    store.close();
    await pve.close();
    await sim.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
