/**
 * `pxr alerts` — what each sink was sent, is waiting to send, or keeps failing to send (with the
 * last error); `pxr alerts test` — one test message to every configured sink now, exit 1 when one
 * fails. The sinks come from pxr.yaml's `alerts:` section (secrets read from their files).
 */
import { resolve } from 'node:path';
import pino from 'pino';
import { parse as parseYaml } from 'yaml';
import { alertFromPayload } from '../alerts/alert.js';
import { Notifier } from '../alerts/notifier.js';
import { systemClock } from '../core/clock.js';
import { openStore } from '../store/store.js';
import type { DeliveryRecord } from '../store/alert-delivery-repo.js';
import { resolveAlerts, type AlertsConfig } from './alerts-config.js';
import { readConfigFile } from './config-file.js';
import { COMMON_OPTIONS, parse, type Io } from './args.js';
import { openStoreForCli } from './open-store.js';
import { readSecretFileSync } from './secret-file.js';
import { renderTable } from './table.js';

const USAGE = `Usage:
  pxr alerts [--state pending|failing|sent] [-o json] [--db FILE]   deliveries per sink
  pxr alerts test [--config FILE]                                    send a test message to every sink
`;

const time = (ms: number | null): string =>
  ms === null ? '-' : new Date(ms).toISOString().replace('T', ' ').slice(0, 19);

function stateOf(d: DeliveryRecord): 'sent' | 'failing' | 'pending' {
  if (d.state === 'sent') return 'sent';
  return d.lastError !== null ? 'failing' : 'pending';
}

/** The `alerts:` section of the config file in use (none: no sinks). */
export function alertsFromConfig(flags: { config?: string }, io: Io): AlertsConfig {
  const file = readConfigFile(flags.config, io.cwd);
  const doc = file ? (parseYaml(file.text) as Record<string, unknown> | null) : null;
  return resolveAlerts(file?.path ?? 'pxr.yaml', doc?.['alerts'], (p) =>
    readSecretFileSync(resolve(io.cwd, p)),
  );
}

export async function cmdAlerts(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, {
    ...COMMON_OPTIONS,
    state: { type: 'string' },
    output: { type: 'string', short: 'o' },
  });
  if (values.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  if (positionals[0] === 'test') return sendTest(values, io);
  if (positionals.length > 0) {
    io.stderr.write(`pxr alerts: unknown argument '${positionals[0]}'\n${USAGE}`);
    return 2;
  }
  const want = values.state;
  if (want !== undefined && !['pending', 'failing', 'sent'].includes(want)) {
    io.stderr.write(`pxr alerts: --state must be pending, failing or sent\n`);
    return 2;
  }
  const store = openStoreForCli(values, io);
  try {
    const rows = store.deliveries.list(500).filter((d) => !want || stateOf(d) === want);
    if (values.output === 'json') {
      io.stdout.write(
        JSON.stringify(
          rows.map((d) => ({
            sink: d.sink,
            key: d.key,
            state: stateOf(d),
            attempts: d.attempts,
            queuedAt: d.queuedAt,
            sentAt: d.sentAt,
            lastError: d.lastError,
          })),
          null,
          2,
        ) + '\n',
      );
      return 0;
    }
    if (rows.length === 0) {
      io.stdout.write('No alerts delivered or waiting.\n');
      return 0;
    }
    io.stdout.write(
      renderTable(
        ['SINK', 'STATE', 'ATTEMPTS', 'QUEUED', 'SENT', 'ALERT', 'LAST ERROR'],
        rows.map((d) => [
          d.sink,
          stateOf(d),
          String(d.attempts),
          time(d.queuedAt),
          time(d.sentAt),
          alertFromPayload(d.payload)?.summary ?? d.key,
          d.lastError ?? '',
        ]),
      ),
    );
    return 0;
  } finally {
    store.close();
  }
}

async function sendTest(values: { config?: string }, io: Io): Promise<number> {
  const cfg = alertsFromConfig(values, io);
  if (cfg.sinks.length === 0) {
    io.stderr.write('pxr alerts test: no sinks configured (pxr.yaml alerts.sinks)\n');
    return 1;
  }
  // No store is needed to send a test message: an in-memory one keeps the notifier's types whole.
  const store = openStore(':memory:', { clock: systemClock });
  try {
    const n = new Notifier({
      store,
      clock: systemClock,
      log: pino({ level: 'silent' }),
      sinks: cfg.sinks,
    });
    const results = await n.sendTest();
    for (const r of results)
      io.stdout.write(`${r.ok ? 'ok  ' : 'FAIL'} ${r.sink}${r.error ? `: ${r.error}` : ''}\n`);
    return results.every((r) => r.ok) ? 0 : 1;
  } finally {
    store.close();
  }
}
