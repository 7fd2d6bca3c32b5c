/** `pxr describe kind/name` — spec with defaults, conditions, observed facts, drift, history, events. */
import { stringify } from 'yaml';
import { systemClock } from '../core/clock.js';
import { formatDuration } from './duration.js';
import { ConfigError } from './config.js';
import { parseRef } from './kinds.js';
import { COMMON_OPTIONS, parse, type Io } from './args.js';
import { openStoreForCli } from './open-store.js';
import { renderTable } from './table.js';

const indent = (text: string, n = 2): string =>
  text
    .trimEnd()
    .split('\n')
    .map((l) => ' '.repeat(n) + l)
    .join('\n') + '\n';

export async function cmdDescribe(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, COMMON_OPTIONS);
  if (values.help || positionals.length !== 1) {
    if (!values.help) throw new ConfigError('usage: pxr describe KIND/NAME');
    io.stdout.write('Usage: pxr describe KIND/NAME [--db FILE]\n');
    return 0;
  }
  const ref = parseRef(positionals[0]!);
  const store = openStoreForCli(values, io);
  try {
    const d = store.describe(ref);
    if (!d) {
      io.stderr.write(`pxr describe: ${ref.kind}/${ref.name} not found\n`);
      return 1;
    }
    const now = systemClock.now();
    const ago = (t: number | null): string =>
      t ? `${formatDuration(Math.max(0, now - t))} ago` : '-';
    const o = d.object;
    const kv = (m: Record<string, string>): string =>
      Object.entries(m)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ') || '<none>';
    let out = '';
    out += `Name:         ${o.name}\n`;
    out += `Kind:         ${o.kind}\n`;
    out += `UID:          ${o.uid}\n`;
    out += `Generation:   ${o.generation} (observed ${d.status.observedGeneration})\n`;
    out += `Source:       ${o.sourceFile}${o.revision ? ` @ ${o.revision}` : ''}${d.status.sourceInvalid ? '  (file currently invalid: last good spec in force)' : ''}\n`;
    out += `Labels:       ${kv(o.labels)}\n`;
    out += `Annotations:  ${kv(o.annotations)}\n`;
    out += `Created:      ${new Date(o.createdAt).toISOString()}\n`;
    if (o.deletionRequested)
      out += `Deleting:     yes (finalizers: ${o.finalizers.join(', ') || 'none'})\n`;
    out += `Spec (with defaults):\n${indent(stringify(o.spec))}`;
    out += 'Conditions:\n';
    out += d.status.conditions.length
      ? indent(
          renderTable(
            ['TYPE', 'STATUS', 'REASON', 'SINCE', 'MESSAGE'],
            d.status.conditions.map((c) => [
              c.type,
              c.status,
              c.reason,
              ago(c.lastTransitionTime),
              c.message,
            ]),
          ),
        )
      : '  <none yet>\n';
    if (Object.keys(d.status.observed).length)
      out += `Observed:\n${indent(stringify(d.status.observed))}`;
    if (d.inventory.length)
      out += `Owns:\n${indent(
        renderTable(
          ['TYPE', 'NODE', 'ID', 'SINCE'],
          d.inventory.map((i) => [i.resourceType, i.node, i.resourceId, ago(i.createdAt)]),
        ),
      )}`;
    if (d.drift.length)
      out += `Drift:\n${indent(
        renderTable(
          ['FIELD', 'DESIRED', 'ACTUAL', 'DETECTED', 'RESOLVED', 'CORRECTED'],
          d.drift.map((x) => [
            x.field,
            JSON.stringify(x.desired),
            JSON.stringify(x.actual),
            ago(x.detectedAt),
            x.resolvedAt ? ago(x.resolvedAt) : 'open',
            x.corrected ? 'yes' : 'no',
          ]),
        ),
      )}`;
    if (d.history.length)
      out += `History:\n${indent(
        renderTable(
          ['STARTED', 'DURATION', 'RESULT', 'ACTIONS / ERROR'],
          d.history.map((h) => [
            ago(h.startedAt),
            formatDuration(h.durationMs),
            h.result,
            h.error ?? (h.actions.join('; ') || '-'),
          ]),
        ),
      )}`;
    out += 'Events:\n';
    out += d.events.length
      ? indent(
          renderTable(
            ['TYPE', 'REASON', 'COUNT', 'LAST SEEN', 'MESSAGE'],
            d.events.map((e) => [e.type, e.reason, String(e.count), ago(e.lastSeen), e.message]),
          ),
        )
      : '  <none>\n';
    io.stdout.write(out);
    return 0;
  } finally {
    store.close();
  }
}
