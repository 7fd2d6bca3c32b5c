/** `pxr events [--for kind/name] [--follow]` — deduplicated events, newest last; `--follow` polls the store. */
import { systemClock } from '../core/clock.js';
import { SOURCE_REF } from '../core/ingest.js';
import type { EventRecord } from '../store/events-repo.js';
import { parseRef } from './kinds.js';
import { COMMON_OPTIONS, parse, type Io } from './args.js';
import { openStoreForCli } from './open-store.js';

// A deduplicated event happened COUNT times between FIRST SEEN and LAST SEEN.
const HEADERS = ['FIRST SEEN', 'LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'COUNT', 'MESSAGE'];
/** Fixed column widths, so lines printed later by --follow line up with the first listing. */
const WIDTHS = [19, 19, 7, 22, 30, 5];

const time = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').slice(0, 19);

function line(cells: string[]): string {
  return (
    cells
      .map((c, i) => (i < WIDTHS.length ? c.padEnd(WIDTHS[i]!) : c))
      .join('  ')
      .trimEnd() + '\n'
  );
}

function row(e: EventRecord): string[] {
  return [
    time(e.firstSeen),
    time(e.lastSeen),
    e.type,
    e.reason,
    `${e.kind.toLowerCase()}/${e.name}`,
    String(e.count),
    e.message,
  ];
}

export async function cmdEvents(
  argv: string[],
  io: Io,
  opts: { signal?: AbortSignal; pollMs?: number } = {},
): Promise<number> {
  const { values } = parse(argv, {
    ...COMMON_OPTIONS,
    for: { type: 'string' },
    follow: { type: 'boolean', short: 'f' },
    limit: { type: 'string' },
  });
  if (values.help) {
    io.stdout.write('Usage: pxr events [--for KIND/NAME] [--follow] [--limit N] [--db FILE]\n');
    return 0;
  }
  const ref = values.for ? eventsRef(values.for) : undefined;
  const limit = values.limit ? Math.max(1, Number(values.limit) || 100) : 100;
  const store = openStoreForCli(values, io);
  try {
    const first = store.listEvents({ ...(ref ? { ref } : {}), limit }).reverse();
    io.stdout.write(
      first.length ? [HEADERS, ...first.map(row)].map(line).join('') : 'No events.\n',
    );
    if (!values.follow) return 0;
    let since = first.reduce((m, e) => Math.max(m, e.seq), 0);
    const signal = opts.signal ?? abortOnSignals();
    while (!signal.aborted) {
      try {
        await systemClock.sleep(opts.pollMs ?? 1000, signal);
      } catch {
        break; // aborted: stop following
      }
      const next = store.listEvents({ ...(ref ? { ref } : {}), sinceSeq: since });
      for (const e of next) {
        io.stdout.write(line(row(e)));
        since = Math.max(since, e.seq);
      }
    }
    return 0;
  } finally {
    store.close();
  }
}

/** KIND/NAME, or the manifests folder itself (`source/manifests`, as the OBJECT column shows it). */
function eventsRef(text: string): { kind: string; name: string } {
  if (text.toLowerCase() === `${SOURCE_REF.kind}/${SOURCE_REF.name}`.toLowerCase())
    return SOURCE_REF;
  return parseRef(text);
}

function abortOnSignals(): AbortSignal {
  const ac = new AbortController();
  const stop = (): void => ac.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return ac.signal;
}
