/** `pxr describe kind/name` — spec with defaults, conditions, observed facts, drift, history, events. */
import { stringify } from 'yaml';
import { systemClock } from '../core/clock.js';
import { formatDuration } from './duration.js';
import { ConfigError, type PxrConfig } from './config.js';
import { parseRef } from './kinds.js';
import { COMMON_OPTIONS, parse, type Io } from './args.js';
import { openStoreForCli } from './open-store.js';
import type { StoredObject } from '../core/kind.js';
import { storeReader } from '../core/reader.js';
import { kindDefinitions } from '../kinds/registry.js';
import type { Inspection } from '../kinds/kind-module.js';
import type { Store } from '../store/store.js';
import { createLogger } from './logger.js';
import { connectPve, type PveEndpoint } from './pve-connect.js';
import { resolvePveConfig, SETTING_FLAGS, settingsFromFlags } from './setting-flags.js';
import { renderTable } from './table.js';

const indent = (text: string, n = 2): string =>
  text
    .trimEnd()
    .split('\n')
    .map((l) => ' '.repeat(n) + l)
    .join('\n') + '\n';

const HELP = `Usage: pxr describe KIND/NAME [--db FILE] [-o json] [--sim | --pve-url URL ...]

What the store knows of one object: spec with defaults, conditions, observed facts, drift,
history and events. Kinds with a live view (FirewallPolicy: the reachability matrix) add it
when Proxmox is configured (--pve-url, PXR_PVE_URL or pxr.yaml) or --sim is given; only reads
reach Proxmox.
`;

export async function cmdDescribe(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, {
    ...COMMON_OPTIONS,
    ...SETTING_FLAGS,
    sim: { type: 'boolean' },
    'sim-state': { type: 'string' },
    output: { type: 'string', short: 'o' },
  });
  if (values.help || positionals.length !== 1) {
    if (!values.help) throw new ConfigError('usage: pxr describe KIND/NAME');
    io.stdout.write(HELP);
    return 0;
  }
  if (values.output !== undefined && values.output !== 'json') {
    throw new ConfigError(`-o: '${values.output}' is not an output format (json)`);
  }
  const ref = parseRef(positionals[0]!);
  const store = openStoreForCli(values, io);
  try {
    const d = store.describe(ref);
    if (!d) {
      io.stderr.write(`pxr describe: ${ref.kind}/${ref.name} not found\n`);
      return 1;
    }
    const live = await inspect(d.object, store, values, io);
    if (values.output === 'json') {
      io.stdout.write(`${JSON.stringify({ ...d, ...(live ? { live } : {}) }, null, 2)}\n`);
      return 0;
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
    if (live) {
      out += `${live.title}:\n`;
      out += 'error' in live ? `  ${live.error}\n` : indent(live.text);
    }
    io.stdout.write(out);
    return 0;
  } finally {
    store.close();
  }
}

type Live = Inspection | { title: string; error: string };

/**
 * The kind's live view, when it has one and Proxmox is configured: a failure to reach Proxmox is
 * shown in its place (what the store knows is still worth printing).
 */
async function inspect(
  obj: StoredObject,
  store: Store,
  values: Record<string, unknown>,
  io: Io,
): Promise<Live | undefined> {
  const kind = kindDefinitions().find((k) => k.kind === obj.kind);
  if (!kind?.inspect) return undefined;
  const flags = { ...settingsFromFlags(values), sim: values['sim'] === true };
  let cfg: PxrConfig;
  try {
    cfg = resolvePveConfig(flags, values['config'] as string | undefined, io);
  } catch (err) {
    // No Proxmox configured: say how to get the live view instead of failing describe.
    if (err instanceof ConfigError && /--pve-url .* is required/.test(err.message)) {
      return {
        title: 'Live view',
        error: 'give --sim or --pve-url (or PXR_PVE_URL) to compute it from Proxmox',
      };
    }
    throw err;
  }
  const log = createLogger({ level: 'warn', pretty: true, stream: io.stderr });
  let endpoint: PveEndpoint;
  try {
    endpoint = await connectPve(cfg, {
      cwd: io.cwd,
      clock: systemClock,
      log,
      ...(typeof values['sim-state'] === 'string' ? { simState: values['sim-state'] } : {}),
      simReadOnly: true,
    });
  } catch (err) {
    return { title: 'Live view', error: (err as Error).message };
  }
  try {
    return await kind.inspect(obj, { pve: endpoint.pve, reader: storeReader(store) });
  } catch (err) {
    return { title: 'Live view', error: `cannot compute it: ${(err as Error).message}` };
  } finally {
    await endpoint.close();
  }
}
