/**
 * What one recorded pass says in the log, per object, so a person can watch `pxr run`: a converged
 * pass says nothing above debug; drift is a WARN naming field, desired and actual; actions, becoming
 * Ready and a new reason to wait are INFO once (repeats of the same wait or error are debug); a stall
 * is an ERROR when it happens. Pure: the controller writes the lines with the object's child logger.
 */
import type { RecordedPass } from './record-pass.js';
import { describeDrift } from './status-calc.js';

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  msg: string;
  fields: Record<string, unknown>;
}

/** The lines for one object's pass (one, usually). `retryInMs`: when the key was rate-limited. */
export function passLogLines(rec: RecordedPass, durationMs: number, retryInMs?: number): LogLine[] {
  const next = rec.nextReady;
  const changed =
    next?.status !== rec.prevReady?.status ||
    next?.reason !== rec.prevReady?.reason ||
    next?.message !== rec.prevReady?.message;
  const base = { result: rec.result, durationMs };
  if (rec.drift.items.length > 0 && rec.drift.changed) {
    return [
      {
        level: 'warn',
        msg: `${rec.drift.corrected ? 'drift corrected' : 'drift detected, left in place (pxr/drift)'}: ${describeDrift(rec.drift.items)}`,
        fields: {
          ...base,
          drift: rec.drift.items,
          ...(rec.actions.length ? { actions: rec.actions } : {}),
        },
      },
    ];
  }
  if (rec.stalled) {
    return [
      {
        level: 'error',
        msg: `stalled: ${next?.reason ?? ''}: ${next?.message ?? ''}`,
        fields: base,
      },
    ];
  }
  if (rec.result === 'error') {
    const retry =
      retryInMs === undefined ? '' : `; retrying in ${Math.round(retryInMs / 100) / 10}s`;
    return [
      {
        level: changed ? 'warn' : 'debug',
        msg: `${next?.message ?? 'reconcile failed'}${retry}`,
        fields: { ...base, ...(retryInMs !== undefined ? { retryInMs } : {}) },
      },
    ];
  }
  const waiting =
    next && next.status !== 'True' && changed ? `waiting: ${next.reason}: ${next.message}` : '';
  if (rec.actions.length > 0) {
    const msg = [rec.actions.join('; '), rec.becameReady ? 'Ready' : waiting].filter(Boolean);
    return [{ level: 'info', msg: msg.join(' — '), fields: { ...base, actions: rec.actions } }];
  }
  if (rec.becameReady) return [{ level: 'info', msg: 'Ready', fields: base }];
  if (waiting) return [{ level: 'info', msg: waiting, fields: base }];
  return [{ level: 'debug', msg: 'reconciled, nothing to do', fields: base }];
}
