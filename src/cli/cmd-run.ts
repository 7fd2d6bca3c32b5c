/**
 * `pxr run [--sim]` — the controller. With `--sim` the built-in Proxmox simulator runs in-process
 * (its state kept next to the database) and pxr talks to it over HTTP exactly as to a real cluster.
 */
import { resolve } from 'node:path';
import { systemClock } from '../core/clock.js';
import { PxrError } from '../core/errors.js';
import { connectPve, type PveEndpoint } from './pve-connect.js';
import { SETTINGS, type RawSettings } from './config.js';
import { alertsFromConfig } from './cmd-alerts.js';
import { startControllerApp, type ControllerApp } from './controller-app.js';
import { lockDatabase, type DbLock } from './db-lock.js';
import { startHttpServer } from './http-server.js';
import { createLogger } from './logger.js';
import { COMMON_OPTIONS, parse, type Io } from './args.js';
import { resolvePveConfig, SETTING_FLAGS, settingsFromFlags } from './setting-flags.js';

export async function cmdRun(argv: string[], io: Io): Promise<number> {
  const { values } = parse(argv, {
    ...COMMON_OPTIONS,
    ...SETTING_FLAGS,
    sim: { type: 'boolean' },
    pretty: { type: 'boolean' },
    'sim-state': { type: 'string' },
  });
  if (values.help) {
    io.stdout.write(runHelp());
    return 0;
  }
  const flags: RawSettings & { sim?: boolean; pretty?: boolean } = settingsFromFlags(values);
  if (values.db) flags.db = values.db;
  flags.sim = values.sim === true;
  flags.pretty = values.pretty === true;
  const cfg = resolvePveConfig(flags, values.config, io);
  // Sinks and their secret files are checked before anything starts.
  const alerts = alertsFromConfig(values.config ? { config: values.config } : {}, io);
  const log = createLogger({ level: cfg.logLevel, pretty: cfg.pretty, stream: io.stdout });
  const clock = systemClock;
  for (const w of cfg.warnings) log.warn(w);

  // Signals are taken from here on: one that arrives during start-up (a supervisor giving up, npm
  // stopped) stops pxr cleanly once it has started, instead of killing it half-way. A second one
  // gets the default action.
  let stopSignal: string | undefined;
  let wake: (() => void) | undefined;
  const onSignal = (signal: string): void => {
    stopSignal ??= signal;
    wake?.();
  };
  const onInt = (): void => onSignal('SIGINT');
  const onTerm = (): void => onSignal('SIGTERM');
  process.once('SIGINT', onInt);
  process.once('SIGTERM', onTerm);
  const forgetSignals = (): void => {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  };

  // What can refuse the start comes first — the database lock, then the HTTP address — so a refused
  // `pxr run --sim` has started no simulator and written no sim-state.json.
  const dbPath = resolve(io.cwd, cfg.db);
  let lock: DbLock;
  try {
    lock = lockDatabase(dbPath, new Date(clock.now()));
  } catch (err) {
    forgetSignals();
    throw err;
  }
  let app: ControllerApp | undefined;
  let http: Awaited<ReturnType<typeof startHttpServer>>;
  try {
    http = await startHttpServer(cfg.listen, {
      healthy: () => true,
      ready: () => app?.probe.ready() ?? { ready: false, reason: 'starting' },
      metrics: () => app?.probe.metrics() ?? '',
    });
  } catch (err) {
    lock.release();
    forgetSignals();
    throw err;
  }

  let endpoint: PveEndpoint | undefined;
  try {
    endpoint = await connectPve(cfg, {
      cwd: io.cwd,
      clock,
      log,
      ...(values['sim-state'] ? { simState: values['sim-state'] } : {}),
      simTokenFile: true,
    });
    const pve = endpoint.pve;
    app = await startControllerApp({
      alerts,
      manifests: resolve(io.cwd, cfg.manifests),
      db: dbPath,
      lock,
      clock,
      log,
      pve,
      resyncMs: cfg.resyncMs,
      maxPruneRatio: cfg.maxPruneRatio,
      ...(endpoint.kindTuning ? { kindTuning: endpoint.kindTuning } : {}),
    });
  } catch (err) {
    // The client's sockets, the simulator's and the probe's servers would keep the process alive.
    // A failure to stop the simulator must not hide why start-up failed.
    await endpoint?.close().catch((e: unknown) => log.error({ err: e }, 'simulator stop failed'));
    await http.close();
    lock.release();
    forgetSignals();
    if (!(err instanceof PxrError)) throw err;
    io.stderr.write(`pxr run: ${err.message}\n`);
    return 2;
  }
  log.info(
    { manifests: cfg.manifests, db: cfg.db, http: http.url, resyncMs: cfg.resyncMs },
    `pxr running — try: npx pxr get bridges${cfg.db === './data/pxr.db' ? '' : ` --db ${cfg.db}`}`,
  );

  if (stopSignal === undefined) await new Promise<void>((done) => (wake = done));
  log.info({ signal: stopSignal }, 'stopping');
  await app.stop();
  await http.close();
  await endpoint.close();
  forgetSignals();
  log.info('stopped');
  return 0;
}

const ARG_NAMES: Record<string, string> = {
  manifests: 'DIR',
  db: 'FILE',
  listen: 'HOST:PORT',
  resync: 'DURATION',
  'pve-url': 'URL',
  'pve-token-id': 'ID',
  'pve-token-secret-file': 'FILE',
  'pve-ca-file': 'FILE',
  'pve-fingerprint': 'SHA256',
  'log-level': 'LEVEL',
  'max-prune-ratio': 'RATIO',
  'pve-concurrency': 'N',
};

/** Every flag of `pxr run`, each with its environment variable and a line of description. */
function runHelp(): string {
  const rows: [string, string][] = [
    ['--sim', 'run the built-in Proxmox VE simulator in-process and reconcile against it'],
    ['--sim-state FILE', 'where --sim keeps the simulated cluster (default beside --db)'],
  ];
  for (const s of SETTINGS) {
    if (!s.flag) continue;
    const arg = s.key === 'pveInsecure' ? '' : ` ${ARG_NAMES[s.flag] ?? 'V'}`;
    rows.push([`--${s.flag}${arg}`, `${s.help} [${s.env}]`]);
  }
  rows.push(
    ['--pretty', 'human-readable logs instead of JSON lines'],
    ['--config FILE', 'settings file (default ./pxr.yaml if present)'],
    ['-h, --help', 'this help'],
  );
  const width = Math.max(...rows.map(([f]) => f.length)) + 2;
  const env = SETTINGS.filter((s) => !s.flag).map((s) => `  ${s.env}: ${s.help}\n`);
  return [
    'Usage: pxr run [--sim] [options]\n\nRuns the controller until SIGINT or SIGTERM.\n\nOptions:\n',
    ...rows.map(([f, d]) => `  ${f.padEnd(width)}${d}\n`),
    '\nEnvironment only:\n',
    ...env,
  ].join('');
}
