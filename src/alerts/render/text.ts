/**
 * The words every sink shares: one line per alert, a title for a group, and the coalescing of
 * transitions of one thing inside one group ("detected and corrected" rather than two messages).
 */
import type { Alert } from '../alert.js';

/** An alert as sent: the last transition of its fingerprint in the group, and what came before. */
export interface GroupedAlert extends Alert {
  /** Earlier reasons of the same fingerprint in this group, oldest first. */
  earlier: string[];
}

const WORDS: Record<string, string> = {
  DriftDetected: 'drift detected',
  DriftCorrected: 'drift corrected',
  DriftResolved: 'drift resolved',
  DriftPersisting: 'drift still present',
  RenewalOverdue: 'renewal overdue',
  CertificateExpired: 'certificate expired',
  Renewed: 'renewed',
};

function word(reason: string): string {
  return WORDS[reason] ?? reason;
}

/** One entry per fingerprint, in order of first appearance, carrying the last transition. */
export function coalesce(alerts: readonly Alert[]): GroupedAlert[] {
  const out = new Map<string, GroupedAlert>();
  for (const a of alerts) {
    const prev = out.get(a.fingerprint);
    const earlier = prev ? [...prev.earlier, prev.reason] : [];
    out.delete(a.fingerprint);
    out.set(a.fingerprint, { ...a, earlier });
  }
  return [...out.values()].sort((x, y) => x.at - y.at);
}

/** `drift detected and corrected` for a fingerprint that went through both inside the group. */
export function transitionText(a: GroupedAlert): string {
  const seq = [...new Set([...a.earlier, a.reason].map(word))];
  // "drift detected and corrected", not "drift detected and drift corrected".
  const drift = seq[0]?.startsWith('drift ') === true;
  return seq.map((w, i) => (i > 0 && drift ? w.replace(/^drift /, '') : w)).join(' and ');
}

export function alertLine(a: GroupedAlert): string {
  const lead = `[${a.severity.toUpperCase()}] ${transitionText(a)}:`;
  if (a.field !== undefined && a.reason !== 'DriftResolved' && a.desired !== undefined) {
    const show = (v: unknown): string => JSON.stringify(v) ?? 'undefined';
    return `${lead} ${a.kind}/${a.name} ${a.field}: desired ${show(a.desired)}, actual ${show(a.actual)}`;
  }
  return `${lead} ${a.summary}`;
}

export function groupTitle(alerts: readonly GroupedAlert[]): string {
  if (alerts.length === 1 && alerts[0]) {
    const a = alerts[0];
    return `pxr: ${a.kind}/${a.name} ${transitionText(a)}`;
  }
  const counts = new Map<string, number>();
  for (const a of alerts) counts.set(transitionText(a), (counts.get(transitionText(a)) ?? 0) + 1);
  const parts = [...counts].map(([w, n]) => `${n} ${w}`);
  return `pxr: ${alerts.length} objects changed (${parts.join(', ')})`;
}

/** Lines joined, cut to `max` characters with a count of what was left out. */
export function bodyText(alerts: readonly GroupedAlert[], max: number): string {
  const lines = alerts.map(alertLine);
  let out = '';
  for (let i = 0; i < lines.length; i++) {
    const next = out === '' ? lines[i] : `${out}\n${lines[i]}`;
    const rest = lines.length - i - 1;
    const tail = rest > 0 ? `\n… and ${rest} more` : '';
    if ((next ?? '').length + tail.length > max) {
      return `${out}\n… and ${lines.length - i} more`.trimStart();
    }
    out = next ?? '';
  }
  return out;
}
