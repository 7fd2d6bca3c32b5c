/**
 * Foundation benchmarks (issue 3):
 *  - start-up: 10,000 Bridge manifests read, validated and ingested into a fresh SQLite file, the way
 *    `pxr run` does it before any worker starts; then an unchanged re-read (must write nothing);
 *  - a converged cluster of 4 nodes x 8 bridges: Proxmox calls and SQLite writes per resync sweep
 *    (target: one network read per node, zero writes of either kind).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { systemClock } from '../src/core/clock.js';
import { applySnapshot } from '../src/core/ingest.js';
import { kindDefinitions } from '../src/kinds/registry.js';
import { readManifestDir } from '../src/source/reader.js';
import { ManifestValidator } from '../src/source/validate.js';
import { openStore } from '../src/store/store.js';
import { createPveClient } from '../src/pve/client.js';
import { createSimulator } from '../src/sim/simulator.js';
import { startControllerApp } from '../src/cli/controller-app.js';
import type { Row } from './table.js';

const MB = 1024 * 1024;

function bridgeDoc(name: string, node: string, iface: string, ports: string[]): string {
  return `apiVersion: pxr/v1alpha1\nkind: Bridge\nmetadata:\n  name: ${name}\nspec:\n  node: ${node}\n  iface: ${iface}\n  ports: [${ports.join(', ')}]\n  comment: ${name}\n`;
}

async function startupIngest(): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), 'pxr-bench-ingest-'));
  try {
    const manifests = join(dir, 'manifests');
    for (let f = 0; f < 500; f++) {
      mkdirSync(join(manifests, `site-${f % 10}`), { recursive: true });
      const docs = Array.from({ length: 20 }, (_, d) => {
        const i = f * 20 + d;
        return bridgeDoc(`br-${i}`, `pve${i % 16}`, `vmbr${Math.floor(i / 16)}`, []);
      });
      writeFileSync(join(manifests, `site-${f % 10}`, `bridges-${f}.yaml`), docs.join('---\n'));
    }
    const rss0 = process.memoryUsage().rss;
    const t0 = performance.now();
    const validator = new ManifestValidator(kindDefinitions());
    const { snapshot } = await readManifestDir(manifests, { validator, clock: systemClock });
    const t1 = performance.now();
    const store = openStore(join(dir, 'pxr.db'), { clock: systemClock });
    const r = applySnapshot(store, snapshot);
    const t2 = performance.now();
    const changes0 = store.totalChanges();
    const again = await readManifestDir(manifests, { validator, clock: systemClock });
    const t3 = performance.now();
    applySnapshot(store, again.snapshot);
    const t4 = performance.now();
    const rewrites = store.totalChanges() - changes0;
    const rss = process.memoryUsage().rss;
    store.close();
    if (r.inserted !== 10_000) throw new Error(`expected 10,000 objects, ingested ${r.inserted}`);
    return [
      {
        name: 'start-up: read + validate 10,000 manifests (500 files)',
        value: t1 - t0,
        unit: 'ms',
      },
      {
        name: 'start-up: ingest 10,000 objects into a new SQLite file',
        value: t2 - t1,
        unit: 'ms',
      },
      {
        name: 'start-up total',
        value: t2 - t0,
        unit: 'ms',
        target: '< 10,000 ms',
        ok: t2 - t0 < 10_000,
      },
      {
        name: 'unchanged re-read + ingest',
        value: t4 - t2,
        unit: 'ms',
        detail: `read ${Math.round(t3 - t2)} ms`,
      } as Row,
      {
        name: 'SQLite rows written by the unchanged re-ingest',
        value: rewrites,
        unit: 'rows',
        target: '0',
        ok: rewrites === 0,
      },
      { name: 'RSS growth during start-up', value: Math.round((rss - rss0) / MB), unit: 'MiB' },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function convergedSweeps(): Promise<Row[]> {
  const nodes = ['pve1', 'pve2', 'pve3', 'pve4'];
  const dir = mkdtempSync(join(tmpdir(), 'pxr-bench-sweep-'));
  const sim = createSimulator({ nodes, taskTimeScale: 0.01 });
  await sim.start();
  const log = pino({ level: 'silent' });
  const pve = createPveClient({
    url: sim.url,
    tokenId: sim.tokenId,
    tokenSecret: sim.tokenSecret,
    clock: systemClock,
    logger: log,
  });
  const manifests = join(dir, 'manifests');
  mkdirSync(manifests);
  for (const node of nodes) {
    const docs = Array.from({ length: 8 }, (_, i) =>
      bridgeDoc(`${node}-br${i + 1}`, node, `vmbr${i + 1}`, i < 3 ? [`eno${i + 2}`] : []),
    );
    writeFileSync(join(manifests, `${node}.yaml`), docs.join('---\n'));
  }
  const t0 = performance.now();
  const app = await startControllerApp({
    manifests,
    db: join(dir, 'pxr.db'),
    clock: systemClock,
    log,
    pve,
    resyncMs: 3_600_000,
    maxPruneRatio: 0.5,
    kindTuning: { Bridge: { taskPollMs: 20 } },
  });
  try {
    for (;;) {
      await app.manager.waitForIdle();
      const views = app.store.listObjects('Bridge');
      if (
        views.every((v) =>
          v.status.conditions.some((c) => c.type === 'Ready' && c.status === 'True'),
        )
      )
        break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const convergeMs = performance.now() - t0;
    const SWEEPS = 20;
    sim.requests.clear();
    const changes0 = app.store.totalChanges();
    const durations: number[] = [];
    for (let s = 0; s < SWEEPS; s++) {
      const t = performance.now();
      app.manager.controller('Bridge')!.enqueueAll();
      await app.manager.waitForIdle();
      durations.push(performance.now() - t);
    }
    const all = sim.requests.list({});
    const reads =
      all.filter((r) => r.method === 'GET' && r.route === '/nodes/{node}/network').length / SWEEPS;
    const otherReads =
      all.filter((r) => r.method === 'GET' && r.route !== '/nodes/{node}/network').length / SWEEPS;
    const writes = all.filter((r) => r.method !== 'GET').length / SWEEPS;
    const sqlite = (app.store.totalChanges() - changes0) / SWEEPS;
    durations.sort((a, b) => a - b);
    return [
      { name: 'converge 4 nodes x 8 bridges from empty', value: convergeMs, unit: 'ms' },
      {
        name: 'network reads per sweep',
        value: reads,
        unit: 'calls',
        target: '4 (one per node)',
        ok: reads === nodes.length,
      },
      { name: 'other Proxmox reads per sweep', value: otherReads, unit: 'calls' },
      {
        name: 'Proxmox writes per converged sweep',
        value: writes,
        unit: 'calls',
        target: '0',
        ok: writes === 0,
      },
      {
        name: 'SQLite rows written per converged sweep',
        value: sqlite,
        unit: 'rows',
        target: '0',
        ok: sqlite === 0,
      },
      {
        name: 'converged sweep duration (median)',
        value: durations[Math.floor(SWEEPS / 2)]!,
        unit: 'ms',
      },
    ];
  } finally {
    await app.stop();
    await pve.close();
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchBridgeSweep(): Promise<Row[]> {
  return [...(await startupIngest()), ...(await convergedSweeps())];
}
