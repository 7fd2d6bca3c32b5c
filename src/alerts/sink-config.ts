/**
 * Alert sinks as configured (`pxr.yaml` → `alerts.sinks[]`), with their secrets already read from
 * files, and the filters that decide which alerts each one gets.
 */
import { severityRank, type Alert, type Severity } from './alert.js';

export const SINK_TYPES = ['webhook', 'slack', 'discord', 'ntfy', 'alertmanager'] as const;
export type SinkType = (typeof SINK_TYPES)[number];

export interface SinkConfig {
  /** Unique; names the sink in logs, metrics and `pxr alerts` (the URL is a secret, never shown). */
  name: string;
  type: SinkType;
  /** Where to POST (Alertmanager: its base URL; `/api/v2/alerts` is appended). A secret. */
  url: string;
  /** webhook: HMAC-SHA256 key for `X-Pxr-Signature`. A secret. */
  secret?: string;
  /** ntfy / alertmanager: bearer token. A secret. */
  token?: string;
  /** Alerts below this severity are not sent here. @default 'info' */
  minSeverity?: Severity;
  /** Only alerts about these kinds (all when absent). */
  kinds?: readonly string[];
  /** Only alerts about objects with these names (all when absent). */
  names?: readonly string[];
  /** Only alerts about objects carrying all of these labels. */
  labels?: Readonly<Record<string, string>>;
}

export function sinkWants(sink: SinkConfig, alert: Alert): boolean {
  if (severityRank(alert.severity) < severityRank(sink.minSeverity ?? 'info')) return false;
  if (sink.kinds && !sink.kinds.includes(alert.kind)) return false;
  if (sink.names && !sink.names.includes(alert.name)) return false;
  for (const [k, v] of Object.entries(sink.labels ?? {})) if (alert.labels[k] !== v) return false;
  return true;
}
