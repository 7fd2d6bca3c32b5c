/**
 * What pxr tells people: one alert per state transition of one object, with a stable fingerprint
 * (object + reason + field; never a time or a count, so a repeat or a retry deduplicates) and a
 * severity. Built from the outbox rows the runtime writes in the same transaction as the change.
 */

export type Severity = 'info' | 'warning' | 'critical';

export const SEVERITIES: readonly Severity[] = ['info', 'warning', 'critical'];

export type AlertStatus = 'firing' | 'resolved';

export interface Alert {
  /** `Kind/name/Reason[/field]`: the same transition of the same thing always has the same one. */
  fingerprint: string;
  /** `DriftDetected`, `DriftCorrected`, `DriftResolved`, `DriftPersisting`, `Failing`, ... */
  reason: string;
  status: AlertStatus;
  severity: Severity;
  kind: string;
  name: string;
  field?: string;
  desired?: unknown;
  actual?: unknown;
  /** One line a person can act on, e.g. `Bridge/personal bridge_ports: desired "eno2", actual ""`. */
  summary: string;
  /** When the transition happened (ms since epoch). */
  at: number;
  labels: Record<string, string>;
}

/** The transition names the runtime writes (`drift/<kind>/<name>/<field>/<transition>`) → alert. */
const DRIFT: Record<string, { reason: string; status: AlertStatus; severity: Severity }> = {
  detected: { reason: 'DriftDetected', status: 'firing', severity: 'warning' },
  corrected: { reason: 'DriftCorrected', status: 'resolved', severity: 'info' },
  resolved: { reason: 'DriftResolved', status: 'resolved', severity: 'info' },
  persisting: { reason: 'DriftPersisting', status: 'firing', severity: 'warning' },
};

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function show(v: unknown): string {
  return JSON.stringify(v) ?? 'undefined';
}

/**
 * The alert an outbox payload stands for; undefined for a payload this pxr does not understand
 * (written by a newer version): it is acknowledged without being sent rather than blocking the queue.
 */
export function alertFromPayload(payload: Record<string, unknown>): Alert | undefined {
  const kind = str(payload['kind']);
  const name = str(payload['name']);
  const at = typeof payload['at'] === 'number' ? payload['at'] : undefined;
  if (kind === undefined || name === undefined || at === undefined) return undefined;
  const labels: Record<string, string> = {};
  const raw = payload['labels'];
  if (raw && typeof raw === 'object') {
    for (const [k, v] of Object.entries(raw)) if (typeof v === 'string') labels[k] = v;
  }
  const transition = str(payload['transition']);
  const field = str(payload['field']);
  const drift = transition === undefined ? undefined : DRIFT[transition];
  if (drift && field !== undefined) {
    const what =
      drift.reason === 'DriftResolved'
        ? 'reality matches the desired state again'
        : `desired ${show(payload['desired'])}, actual ${show(payload['actual'])}`;
    return {
      fingerprint: `${kind}/${name}/Drift/${field}`,
      reason: drift.reason,
      status: drift.status,
      severity: drift.severity,
      kind,
      name,
      field,
      ...('desired' in payload ? { desired: payload['desired'] } : {}),
      ...('actual' in payload ? { actual: payload['actual'] } : {}),
      summary: `${kind}/${name} ${field}: ${what}`,
      at,
      labels,
    };
  }
  const reason = str(payload['reason']);
  const message = str(payload['message']);
  const severity = str(payload['severity']) as Severity | undefined;
  if (reason === undefined || message === undefined) return undefined;
  return {
    fingerprint: `${kind}/${name}/${reason}`,
    reason,
    status: payload['status'] === 'resolved' ? 'resolved' : 'firing',
    severity: severity && SEVERITIES.includes(severity) ? severity : 'warning',
    kind,
    name,
    summary: `${kind}/${name}: ${message}`,
    at,
    labels,
  };
}

export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}
