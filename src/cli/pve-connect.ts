/**
 * The Proxmox endpoint a command talks to: the configured cluster (checked with one version call,
 * so a wrong URL, token or certificate is one clear line), or with `--sim` the built-in simulator
 * started in-process on its state file.
 */
import { chmodSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { Clock } from '../core/clock.js';
import { PxrError } from '../core/errors.js';
import { createPveClient } from '../pve/client.js';
import type { PveClient } from '../pve/types.js';
import { createSimulator, type Simulator } from '../sim/index.js';
import { simulatorKindTuning } from '../kinds/appliance/definition.js';
import type { PxrConfig } from './config.js';

export interface PveEndpoint {
  pve: PveClient;
  sim?: Simulator;
  /** With the simulator: what kinds keep in it (a simulated appliance's inside), as kind tuning. */
  kindTuning?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** Closes the client's sockets and stops the simulator. */
  close(): Promise<void>;
}

export interface ConnectOptions {
  cwd: string;
  clock: Clock;
  log: Logger;
  /** `--sim-state`: where the simulator keeps the cluster (default beside the database). */
  simState?: string;
  /** Load the simulator's state but never write it (a running `pxr run --sim` owns the file). */
  simReadOnly?: boolean;
  /** Write the simulator's token to `sim-token` beside the database (for people's curl). */
  simTokenFile?: boolean;
}

export async function connectPve(cfg: PxrConfig, o: ConnectOptions): Promise<PveEndpoint> {
  const { clock, log } = o;
  if (cfg.sim) {
    const statePath = resolve(o.cwd, o.simState ?? join(dirname(cfg.db), 'sim-state.json'));
    const sim = createSimulator({
      clock,
      statePath,
      ...(o.simReadOnly ? { stateReadOnly: true } : {}),
      onError: (err) => log.error({ err }, 'simulator error'),
    });
    await sim.start();
    const pve = createPveClient({
      url: sim.url,
      tokenId: sim.tokenId,
      tokenSecret: sim.tokenSecret,
      concurrency: cfg.pveConcurrency,
      clock,
      logger: log,
    });
    const close = async (): Promise<void> => {
      await pve.close();
      await sim.stop();
    };
    if (o.simTokenFile) {
      // The token goes to a file (mode 600), not the log: `curl -H @file` sends it as a header, so
      // a person can change the simulated cluster under pxr (drift) and watch it repaired.
      const tokenFile = join(dirname(resolve(o.cwd, cfg.db)), 'sim-token');
      writeFileSync(tokenFile, `Authorization: PVEAPIToken=${sim.tokenId}=${sim.tokenSecret}\n`, {
        mode: 0o600,
      });
      chmodSync(tokenFile, 0o600); // an existing file keeps its mode on write
      log.info(
        { url: sim.url, statePath, tokenFile },
        `built-in Proxmox simulator started — reach it with: curl -H @${tokenFile} ${sim.url}/api2/json/nodes`,
      );
    }
    return { pve, sim, close, kindTuning: simulatorKindTuning(sim) };
  }
  const p = cfg.pve as NonNullable<PxrConfig['pve']>;
  const pve = createPveClient({
    url: p.url,
    tokenId: p.tokenId,
    tokenSecret: p.tokenSecret,
    ...(p.caFile ? { caFile: resolve(o.cwd, p.caFile) } : {}),
    ...(p.fingerprint ? { fingerprint: p.fingerprint } : {}),
    insecure: p.insecure,
    concurrency: cfg.pveConcurrency,
    clock,
    logger: log,
  });
  try {
    const v = await pve.version();
    log.info({ url: p.url, version: v.version }, 'connected to Proxmox VE');
  } catch (err) {
    await pve.close();
    throw new PxrError(
      'PVE_UNREACHABLE',
      `cannot reach Proxmox at ${p.url}: ${(err as Error).message}`,
    );
  }
  return { pve, close: () => pve.close() };
}
