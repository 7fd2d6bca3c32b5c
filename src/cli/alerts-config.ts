/**
 * The `alerts:` section of pxr.yaml: where alerts go and how they are grouped. Sink URLs and tokens
 * are secrets: read from files (`urlFile`, `secretFile`, `tokenFile`; an inline `url` is accepted for
 * trying things out), never echoed in an error. Pure apart from the injected file reader.
 */
import { SEVERITIES, type Severity } from '../alerts/alert.js';
import { SINK_TYPES, type SinkConfig, type SinkType } from '../alerts/sink-config.js';
import { ConfigError } from './config.js';
import { parseDuration } from './duration.js';
import { isRecord as isMap } from '../core/records.js';

export interface AlertsConfig {
  sinks: SinkConfig[];
  groupWaitMs: number;
  groupIntervalMs: number;
  repeatIntervalMs: number;
}

export const ALERT_DEFAULTS = {
  groupWaitMs: 30_000,
  groupIntervalMs: 300_000,
  repeatIntervalMs: 4 * 3_600_000,
} as const;

const SINK_KEYS = new Set([
  'name',
  'type',
  'url',
  'urlFile',
  'secretFile',
  'tokenFile',
  'minSeverity',
  'kinds',
  'names',
  'labels',
]);

type Read = (path: string) => string;

function duration(file: string, key: string, v: unknown, fallback: number): number {
  if (v === undefined || v === null) return fallback;
  const text = typeof v === 'string' || typeof v === 'number' ? String(v) : JSON.stringify(v);
  const ms = parseDuration(text);
  if (ms === undefined)
    throw new ConfigError(`${file}: alerts.${key}: '${text}' is not a duration (e.g. 30s, 5m, 4h)`);
  return ms;
}

function strings(file: string, at: string, v: unknown): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string'))
    throw new ConfigError(`${file}: ${at}: must be a list of strings`);
  return v;
}

function secretFrom(file: string, at: string, path: unknown, read: Read): string {
  if (typeof path !== 'string' || path === '')
    throw new ConfigError(`${file}: ${at}: must be a file path`);
  let text: string;
  try {
    text = read(path);
  } catch (err) {
    throw new ConfigError(
      `${file}: ${at}: cannot read '${path}': ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
    );
  }
  const v = text.trim();
  if (v === '') throw new ConfigError(`${file}: ${at}: '${path}' is empty`);
  return v;
}

function sinkAt(file: string, i: number, raw: unknown, read: Read, seen: Set<string>): SinkConfig {
  const at = `alerts.sinks[${i}]`;
  if (!isMap(raw)) throw new ConfigError(`${file}: ${at}: must be a mapping`);
  for (const k of Object.keys(raw))
    if (!SINK_KEYS.has(k))
      throw new ConfigError(
        `${file}: ${at}.${k}: unknown key (known: ${[...SINK_KEYS].join(', ')})`,
      );
  const type = raw['type'];
  if (typeof type !== 'string' || !(SINK_TYPES as readonly string[]).includes(type))
    throw new ConfigError(`${file}: ${at}.type: must be one of ${SINK_TYPES.join(', ')}`);
  const name = raw['name'] ?? type;
  if (typeof name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name))
    throw new ConfigError(`${file}: ${at}.name: letters, digits, '.', '_' or '-'`);
  if (seen.has(name))
    throw new ConfigError(
      `${file}: ${at}.name: '${name}' is used by another sink (names must be unique)`,
    );
  seen.add(name);
  if ((raw['url'] === undefined) === (raw['urlFile'] === undefined))
    throw new ConfigError(`${file}: ${at}: give exactly one of url and urlFile`);
  const url =
    raw['urlFile'] !== undefined
      ? secretFrom(file, `${at}.urlFile`, raw['urlFile'], read)
      : typeof raw['url'] === 'string'
        ? raw['url']
        : '';
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  // The value is a secret: say what is wrong without showing it.
  if (!parsed || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:'))
    throw new ConfigError(`${file}: ${at}: the sink URL is not an http(s) URL (value not shown)`);
  const minSeverity = raw['minSeverity'] ?? 'info';
  if (typeof minSeverity !== 'string' || !(SEVERITIES as readonly string[]).includes(minSeverity))
    throw new ConfigError(`${file}: ${at}.minSeverity: must be one of ${SEVERITIES.join(', ')}`);
  const labels = raw['labels'];
  if (
    labels !== undefined &&
    (!isMap(labels) || !Object.values(labels).every((v) => typeof v === 'string'))
  )
    throw new ConfigError(`${file}: ${at}.labels: must map label names to strings`);
  const kinds = strings(file, `${at}.kinds`, raw['kinds']);
  const names = strings(file, `${at}.names`, raw['names']);
  return {
    name,
    type: type as SinkType,
    url,
    minSeverity: minSeverity as Severity,
    ...(raw['secretFile'] !== undefined
      ? { secret: secretFrom(file, `${at}.secretFile`, raw['secretFile'], read) }
      : {}),
    ...(raw['tokenFile'] !== undefined
      ? { token: secretFrom(file, `${at}.tokenFile`, raw['tokenFile'], read) }
      : {}),
    ...(kinds ? { kinds } : {}),
    ...(names ? { names } : {}),
    ...(labels ? { labels: labels as Record<string, string> } : {}),
  };
}

/** The `alerts` value of pxr.yaml (undefined: no alerts configured). */
export function resolveAlerts(file: string, raw: unknown, read: Read): AlertsConfig {
  if (raw === undefined || raw === null) return { sinks: [], ...ALERT_DEFAULTS };
  if (!isMap(raw)) throw new ConfigError(`${file}: alerts: must be a mapping`);
  const known = new Set(['sinks', 'groupWait', 'groupInterval', 'repeatInterval']);
  for (const k of Object.keys(raw))
    if (!known.has(k))
      throw new ConfigError(`${file}: alerts.${k}: unknown key (known: ${[...known].join(', ')})`);
  const list = raw['sinks'] ?? [];
  if (!Array.isArray(list)) throw new ConfigError(`${file}: alerts.sinks: must be a list`);
  const seen = new Set<string>();
  return {
    sinks: list.map((s, i) => sinkAt(file, i, s, read, seen)),
    groupWaitMs: duration(file, 'groupWait', raw['groupWait'], ALERT_DEFAULTS.groupWaitMs),
    groupIntervalMs: duration(
      file,
      'groupInterval',
      raw['groupInterval'],
      ALERT_DEFAULTS.groupIntervalMs,
    ),
    repeatIntervalMs: duration(
      file,
      'repeatInterval',
      raw['repeatInterval'],
      ALERT_DEFAULTS.repeatIntervalMs,
    ),
  };
}
