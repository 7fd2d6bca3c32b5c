/**
 * `pxr reconcile KIND/NAME` — asks the running controller to reconcile one object now (like `flux
 * reconcile`): its backoff and, for a stalled object, its wait before the next try are dropped. The
 * request is a row in the store that `pxr run` picks up within a second and removes once the pass is
 * done; the command waits for that and prints the object's state.
 */
import { systemClock } from '../core/clock.js';
import { RECONCILE_REQUEST } from '../core/manager.js';
import { openStore } from '../store/store.js';
import { COMMON_OPTIONS, parse, type Io } from './args.js';
import { ConfigError } from './config.js';
import { storePathForCli } from './open-store.js';
import { parseDuration } from './duration.js';
import { parseRef } from './kinds.js';

const USAGE = 'Usage: pxr reconcile KIND/NAME [--timeout 30s] [--db FILE]\n';

export async function cmdReconcile(
  argv: string[],
  io: Io,
  opts: { pollMs?: number } = {},
): Promise<number> {
  const { values, positionals } = parse(argv, { ...COMMON_OPTIONS, timeout: { type: 'string' } });
  if (values.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  if (positionals.length !== 1) throw new ConfigError(`expected KIND/NAME\n${USAGE}`);
  const ref = parseRef(positionals[0]!);
  const timeoutMs = parseDuration(values.timeout ?? '30s');
  if (timeoutMs === undefined)
    throw new ConfigError(`--timeout: '${values.timeout}' is not a duration`);
  const path = storePathForCli(values, io);
  const store = openStore(path, { clock: systemClock });
  const key = `${RECONCILE_REQUEST}${ref.kind}/${ref.name}`;
  try {
    if (!store.objects.get(ref)) {
      io.stderr.write(`pxr reconcile: ${ref.kind.toLowerCase()}/${ref.name} not found\n`);
      return 1;
    }
    store.meta.set(key, String(systemClock.now()));
    const end = systemClock.now() + timeoutMs;
    while (store.meta.get(key) !== undefined) {
      if (systemClock.now() > end) {
        store.meta.delete(key);
        io.stderr.write(
          `pxr reconcile: no controller took the request within ${values.timeout ?? '30s'} (is 'pxr run' running on ${path}?)\n`,
        );
        return 1;
      }
      await systemClock.sleep(opts.pollMs ?? 100);
    }
    const st = store.status.get(ref);
    const ready = st?.conditions.find((c) => c.type === 'Ready');
    io.stdout.write(
      `${ref.kind.toLowerCase()}/${ref.name} reconciled: Ready=${ready?.status ?? 'Unknown'} (${ready?.reason ?? 'Pending'})${ready?.message && ready.status !== 'True' ? `: ${ready.message}` : ''}\n`,
    );
    // Served: 0 unless the pass failed or stalled (still converging, e.g. a task running, is fine).
    const failed =
      st?.lastResult === 'error' ||
      st?.conditions.some((c) => c.type === 'Stalled' && c.status === 'True') === true;
    return failed ? 1 : 0;
  } finally {
    store.close();
  }
}
