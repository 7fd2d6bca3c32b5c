/** `pxr get [kind] [name] [-o wide|json|yaml]` — reads the store; works while `pxr run` writes it. */
import { stringify } from 'yaml';
import { systemClock } from '../core/clock.js';
import type { ObjectView, ViewLookup } from '../core/object-view.js';
import { columnsFor } from './columns.js';
import { ConfigError } from './config.js';
import { resolveKindDefinition } from './kinds.js';
import { COMMON_OPTIONS, parse, type Io } from './args.js';
import { openStoreForCli } from './open-store.js';
import { renderTable } from './table.js';
import { toDocument } from './to-document.js';

export async function cmdGet(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, {
    ...COMMON_OPTIONS,
    output: { type: 'string', short: 'o' },
  });
  if (values.help) {
    io.stdout.write('Usage: pxr get [KIND] [NAME] [-o wide|json|yaml] [--db FILE]\n');
    return 0;
  }
  const output = values.output ?? '';
  if (!['', 'wide', 'json', 'yaml'].includes(output))
    throw new ConfigError(`-o: '${output}' must be wide, json or yaml`);
  if (positionals.length > 2) throw new ConfigError('at most KIND and NAME');
  const def = positionals[0] ? resolveKindDefinition(positionals[0]) : undefined;
  const kind = def?.kind;
  const name = positionals[1];
  const store = openStoreForCli(values, io);
  try {
    let views = store.listObjects(kind);
    if (name) {
      views = views.filter((v) => v.object.name === name);
      if (views.length === 0) {
        io.stderr.write(`pxr get: ${kind ?? ''}/${name} not found\n`);
        return 1;
      }
    }
    if (output === 'json' || output === 'yaml') {
      const docs = views.map(toDocument);
      const body = name ? docs[0] : { apiVersion: 'v1', kind: 'List', items: docs };
      io.stdout.write(output === 'json' ? `${JSON.stringify(body, null, 2)}\n` : stringify(body));
      return 0;
    }
    if (views.length === 0) {
      io.stdout.write(kind ? `No ${kind} objects.\n` : 'No objects.\n');
      return 0;
    }
    // Other objects a kind's column shows something of, read once per kind.
    const byKind = new Map<string, ObjectView[]>();
    const lookup: ViewLookup = (ref) => {
      let list = byKind.get(ref.kind);
      if (!list) byKind.set(ref.kind, (list = store.listObjects(ref.kind)));
      return list.find((o) => o.object.name === ref.name);
    };
    const cols = columnsFor(def, output === 'wide', systemClock.now(), lookup);
    io.stdout.write(
      renderTable(
        cols.map((c) => c.header),
        views.map((v) => cols.map((c) => c.value(v))),
      ),
    );
    return 0;
  } finally {
    store.close();
  }
}
