import type { Database, Statement } from 'better-sqlite3';
import { statementCache } from './statements.js';
import { parseColumn } from './json-column.js';

export interface AlertRecord {
  id: number;
  /** Stable: object + field + transition, never a timestamp, so a retry or a repeat dedups. */
  key: string;
  payload: Record<string, unknown>;
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
  createdAt: number;
  acknowledgedAt: number | null;
}

interface AlertRow {
  id: number;
  key: string;
  payload: string;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  created_at: number;
  acknowledged_at: number | null;
}

function toRecord(r: AlertRow): AlertRecord {
  return {
    id: r.id,
    key: r.key,
    payload: parseColumn(r.payload, 'alert_outbox', 'payload', r.key),
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    lastError: r.last_error,
    createdAt: r.created_at,
    acknowledgedAt: r.acknowledged_at,
  };
}

/**
 * Alert outbox: written in the same transaction as the state change that caused it, delivered later
 * by a notifier that claims due rows, and retried until acknowledged.
 */
export class AlertsRepo {
  private readonly sql: (sql: string) => Statement;

  constructor(private readonly db: Database) {
    this.sql = statementCache(db);
  }

  /**
   * Queues an alert. An unacknowledged alert with the same key only gets the newer payload (one
   * delivery for repeats); an acknowledged one is re-armed, since the transition happened again.
   */
  enqueue(key: string, payload: Record<string, unknown>, now: number): void {
    this.sql(
      `INSERT INTO alert_outbox (key, payload, attempts, next_attempt_at, created_at)
         VALUES (?, ?, 0, ?, ?)
         ON CONFLICT (key) DO UPDATE SET payload = excluded.payload,
           attempts = CASE WHEN acknowledged_at IS NULL THEN attempts ELSE 0 END,
           next_attempt_at = CASE WHEN acknowledged_at IS NULL THEN next_attempt_at
                                  ELSE excluded.next_attempt_at END,
           last_error = CASE WHEN acknowledged_at IS NULL THEN last_error ELSE NULL END,
           created_at = CASE WHEN acknowledged_at IS NULL THEN created_at
                             ELSE excluded.created_at END,
           acknowledged_at = NULL`,
    ).run(key, JSON.stringify(payload), now, now);
  }

  /**
   * Takes up to `limit` due alerts and leases them for `leaseMs` (a notifier that dies mid-delivery
   * lets the lease expire and the alert is claimed again). Counts an attempt.
   */
  claim(now: number, limit: number, leaseMs: number): AlertRecord[] {
    return this.db.transaction(() => {
      const rows = this.sql(
        `SELECT * FROM alert_outbox WHERE acknowledged_at IS NULL AND next_attempt_at <= ?
           ORDER BY next_attempt_at, id LIMIT ?`,
      ).all(now, limit) as AlertRow[];
      const lease = this.sql(
        'UPDATE alert_outbox SET attempts = attempts + 1, next_attempt_at = ? WHERE id = ?',
      );
      for (const r of rows) lease.run(now + leaseMs, r.id);
      return rows.map((r) =>
        toRecord({ ...r, attempts: r.attempts + 1, next_attempt_at: now + leaseMs }),
      );
    })();
  }

  ack(id: number, now: number): void {
    this.sql('UPDATE alert_outbox SET acknowledged_at = ? WHERE id = ?').run(now, id);
  }

  /** A delivery failed: retry at `nextAttemptAt`. */
  fail(id: number, error: string, nextAttemptAt: number): void {
    this.sql('UPDATE alert_outbox SET last_error = ?, next_attempt_at = ? WHERE id = ?').run(
      error,
      nextAttemptAt,
      id,
    );
  }

  get(key: string): AlertRecord | undefined {
    const row = this.sql('SELECT * FROM alert_outbox WHERE key = ?').get(key) as
      AlertRow | undefined;
    return row ? toRecord(row) : undefined;
  }

  /** The families (`certificate-overdue`, `failing`...) with a firing alert ever raised for the object. */
  familiesOf(kind: string, name: string): string[] {
    const suffix = `/${kind}/${name}/firing`;
    const rows = this.sql(
      'SELECT key FROM alert_outbox WHERE length(key) > length(?) AND substr(key, -length(?)) = ?',
    ).all(suffix, suffix, suffix) as { key: string }[];
    return rows.map((r) => r.key.slice(0, -suffix.length));
  }

  pending(): AlertRecord[] {
    const rows = this.sql(
      'SELECT * FROM alert_outbox WHERE acknowledged_at IS NULL ORDER BY id',
    ).all() as AlertRow[];
    return rows.map(toRecord);
  }
}
