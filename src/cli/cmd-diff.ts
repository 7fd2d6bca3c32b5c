/**
 * `pxr diff [DIR]` — what `pxr run` would do, without doing it: the folder is read and validated,
 * ingested into a private copy of the store (so uids, generations and prune guards are exactly the
 * controller's), and every kind plans against reality through the same path a pass takes, stopped
 * before apply. Only reads reach Proxmox: a read-only API token is enough.
 * Exit 0 nothing to do, 1 changes, 2 an error.
 */
import { resolve } from 'node:path';
import { systemClock } from '../core/clock.js';
import { applySnapshot } from '../core/ingest.js';
import { kindDefinitions } from '../kinds/registry.js';
import { formatIssue } from '../source/format.js';
import { readManifestDir } from '../source/reader.js';
import { ManifestValidator } from '../source/validate.js';
import { openStoreCopy } from '../store/store.js';
import { COMMON_OPTIONS, parse, type Io } from './args.js';
import { ConfigError } from './config.js';
import { createManager, dataDirOf } from './controller-app.js';
import { diffExitCode, diffReport, renderDiff } from './diff-report.js';
import { createLogger } from './logger.js';
import { connectPve } from './pve-connect.js';
import { resolvePveConfig, SETTING_FLAGS, settingsFromFlags } from './setting-flags.js';

const HELP = `Usage: pxr diff [DIR] [--sim] [-o json] [options of pxr run]

Shows what pxr would change to make reality match the manifests in DIR (default: the
configured manifests folder), without changing anything. Only reads reach Proxmox.

  -o json          the report as JSON
  --sim            plan against the built-in simulator (its state beside --db, read only)
  --sim-state FILE the simulator's state file
  Proxmox settings as for 'pxr run' (--pve-url, --pve-token-id, ... or PXR_* or pxr.yaml).

Exit status: 0 nothing to do, 1 changes (including drift held by pxr/drift: alert,
deletions and tasks in flight), 2 an error (invalid manifests, Proxmox unreachable,
an object that cannot be planned).
`;

export async function cmdDiff(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, {
    ...COMMON_OPTIONS,
    ...SETTING_FLAGS,
    sim: { type: 'boolean' },
    'sim-state': { type: 'string' },
    output: { type: 'string', short: 'o' },
  });
  if (values.help) {
    io.stdout.write(HELP);
    return 0;
  }
  if (values.output !== undefined && values.output !== 'json') {
    throw new ConfigError(`-o: '${values.output}' is not an output format (json)`);
  }
  if (positionals.length > 1) throw new ConfigError('give at most one folder');
  const cfg = resolvePveConfig(
    {
      ...settingsFromFlags(values),
      ...(values.db ? { db: values.db } : {}),
      sim: values.sim === true,
    },
    values.config,
    io,
  );
  const clock = systemClock;
  // The report goes to stdout; logs (warnings only, unless asked) to stderr.
  const log = createLogger({
    level: (values as Record<string, unknown>)['log-level'] !== undefined ? cfg.logLevel : 'warn',
    pretty: true,
    stream: io.stderr,
  });
  for (const w of cfg.warnings) log.warn(w);
  const dir = positionals[0] ?? cfg.manifests;
  const kinds = kindDefinitions();
  const { snapshot } = await readManifestDir(resolve(io.cwd, dir), {
    validator: new ManifestValidator(kinds),
    clock,
  });
  if (snapshot.issues.length > 0) {
    for (const issue of snapshot.issues) io.stderr.write(`${formatIssue(issue, dir)}\n`);
    io.stderr.write(
      `pxr diff: ${snapshot.issues.length} error${snapshot.issues.length === 1 ? '' : 's'} in ${dir}; nothing planned\n`,
    );
    return 2;
  }
  const store = openStoreCopy(resolve(io.cwd, cfg.db), { clock });
  try {
    const endpoint = await connectPve(cfg, {
      cwd: io.cwd,
      clock,
      log,
      ...(values['sim-state'] ? { simState: values['sim-state'] } : {}),
      simReadOnly: true,
    });
    try {
      const ingested = applySnapshot(store, snapshot, { maxPruneRatio: cfg.maxPruneRatio });
      const { manager } = createManager(store, endpoint.pve, {
        clock,
        log,
        resyncMs: cfg.resyncMs,
        ...dataDirOf(resolve(io.cwd, cfg.db)),
        ...(endpoint.kindTuning ? { kindTuning: endpoint.kindTuning } : {}),
      });
      const planned = await manager.planAll();
      await manager.stop(0);
      const report = diffReport(planned, ingested.pruneRefused);
      io.stdout.write(
        values.output === 'json' ? `${JSON.stringify(report, null, 2)}\n` : renderDiff(report),
      );
      return diffExitCode(report);
    } finally {
      await endpoint.close();
    }
  } finally {
    store.close();
  }
}
