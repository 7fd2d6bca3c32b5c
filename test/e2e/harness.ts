/**
 * The controller as `pxr run` builds it (startControllerApp), on a temp manifests folder watched by
 * real chokidar, a temp SQLite file, and the simulator over HTTP through the real client.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pino, type Logger } from 'pino';
import { systemClock } from '../../src/core/clock.js';
import { createPveClient } from '../../src/pve/client.js';
import type { PveClient } from '../../src/pve/types.js';
import {
  startControllerApp,
  type ControllerApp,
  type ControllerAppOptions,
} from '../../src/cli/controller-app.js';
import { startSim, type StartedSim } from '../helpers/sim.js';
import type { SimulatorOptions } from '../../src/sim/simulator.js';

export interface Harness {
  dir: string;
  manifests: string;
  db: string;
  sim: StartedSim;
  pve: PveClient;
  app: ControllerApp;
  write(rel: string, text: string): void;
  remove(rel: string): void;
  /** Stops the controller (as a crash would: no final pass) and starts a new one on the same DB. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export const quietLog = pino({ level: process.env.PXR_TEST_LOG ?? 'silent' });

export async function startHarness(
  opts: {
    sim?: Partial<SimulatorOptions>;
    resyncMs?: number;
    manifests?: string;
    /** Wraps the client of the FIRST controller only (a test's crash point); restarts use the real one. */
    firstPve?: (pve: PveClient) => PveClient;
    /** Manifest files (path relative to the folder → text) written before the controller starts. */
    files?: Record<string, string>;
    /** The controller's logger (default: silent unless PXR_TEST_LOG is set). */
    log?: Logger;
    /** Alert sinks and notifier overrides, as `pxr run` passes them from pxr.yaml. */
    app?: Pick<ControllerAppOptions, 'alerts' | 'notifier' | 'listen'>;
    /** More per-kind reconciler overrides (a kind's own transports), beside the harness's own. */
    kindTuning?: ControllerAppOptions['kindTuning'];
  } = {},
): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'pxr-e2e-'));
  const manifests = opts.manifests ?? join(dir, 'manifests');
  mkdirSync(manifests, { recursive: true });
  for (const [rel, text] of Object.entries(opts.files ?? {})) {
    mkdirSync(dirname(join(manifests, rel)), { recursive: true });
    writeFileSync(join(manifests, rel), text);
  }
  const db = join(dir, 'pxr.db');
  const sim = await startSim({ taskTimeScale: 0.01, ...opts.sim });
  const pve = createPveClient({
    url: sim.url,
    tokenId: sim.tokenId,
    tokenSecret: sim.tokenSecret,
    clock: systemClock,
    logger: quietLog,
  });
  const start = (client: PveClient = pve): Promise<ControllerApp> =>
    startControllerApp({
      manifests,
      db,
      clock: systemClock,
      log: opts.log ?? quietLog,
      pve: client,
      resyncMs: opts.resyncMs ?? 60_000,
      maxPruneRatio: 0.5,
      debounceMs: 50,
      // Hand edits race with sweeps (a sweep may see them staged, before the person applies):
      // re-check such foreign pending changes quickly.
      kindTuning: {
        Bridge: { taskPollMs: 25, foreignPendingRequeueMs: 200 },
        ...opts.kindTuning,
      },
      backoff: { baseMs: 50, maxMs: 500 },
      ...opts.app,
    });
  const h: Harness = {
    dir,
    manifests,
    db,
    sim,
    pve,
    app: await start(opts.firstPve ? opts.firstPve(pve) : pve),
    write(rel, text) {
      const p = join(manifests, rel);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, text);
    },
    remove(rel) {
      unlinkSync(join(manifests, rel));
    },
    async restart() {
      await h.app.stop();
      h.app = await start();
    },
    async close() {
      await h.app.stop();
      await pve.close();
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return h;
}

export function bridgeDoc(
  name: string,
  spec: Record<string, unknown>,
  extra: { annotations?: Record<string, string> } = {},
): string {
  const lines = [
    'apiVersion: pxr/v1alpha1',
    'kind: Bridge',
    'metadata:',
    `  name: ${name}`,
    ...(extra.annotations
      ? ['  annotations:', ...Object.entries(extra.annotations).map(([k, v]) => `    ${k}: '${v}'`)]
      : []),
    'spec:',
    ...Object.entries({ node: 'pve', ...spec }).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`),
  ];
  return `${lines.join('\n')}\n`;
}
