import type { Database, Statement } from 'better-sqlite3';
import { statementCache } from './statements.js';
import { parseColumn } from './json-column.js';

export interface DeliveryRecord {
  sink: string;
  /** The outbox key (object + field + transition): one delivery per sink and key. */
  key: string;
  payload: Record<string, unknown>;
  state: 'pending' | 'sent';
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
  queuedAt: number;
  sentAt: number | null;
}

interface DeliveryRow {
  sink: string;
  key: string;
  payload: string;
  state: 'pending' | 'sent';
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  queued_at: number;
  sent_at: number | null;
}

function toRecord(r: DeliveryRow): DeliveryRecord {
  return {
    sink: r.sink,
    key: r.key,
    payload: parseColumn(r.payload, 'alert_delivery', 'payload', `${r.sink}/${r.key}`),
    state: r.state,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    lastError: r.last_error,
    queuedAt: r.queued_at,
    sentAt: r.sent_at,
  };
}

/**
 * What each sink has been sent. A transition queued for a sink stays `pending` until that sink
 * acknowledged it (2xx), survives restarts, and is never sent twice once `sent`: a later transition
 * with the same key re-arms the row. Sent rows are kept for `pxr alerts` and trimmed per sink.
 */
export class AlertDeliveryRepo {
  private readonly sql: (sql: string) => Statement;

  constructor(
    private readonly db: Database,
    /** Sent deliveries kept per sink. @default 500 */
    private readonly keepSentPerSink = 500,
  ) {
    this.sql = statementCache(db);
  }

  /**
   * Queues `key` for `sink`. A pending delivery only takes the newer payload (a repeat before it
   * went out is one message); a sent one is re-armed.
   */
  queue(sink: string, key: string, payload: Record<string, unknown>, now: number): void {
    this.sql(
      `INSERT INTO alert_delivery (sink, key, payload, state, attempts, next_attempt_at, queued_at)
         VALUES (?, ?, ?, 'pending', 0, ?, ?)
         ON CONFLICT (sink, key) DO UPDATE SET payload = excluded.payload,
           attempts = CASE WHEN state = 'sent' THEN 0 ELSE attempts END,
           next_attempt_at = CASE WHEN state = 'sent' THEN excluded.next_attempt_at
                                  ELSE next_attempt_at END,
           last_error = CASE WHEN state = 'sent' THEN NULL ELSE last_error END,
           queued_at = CASE WHEN state = 'sent' THEN excluded.queued_at ELSE queued_at END,
           sent_at = NULL,
           state = 'pending'`,
    ).run(sink, key, JSON.stringify(payload), now, now);
  }

  /** Pending deliveries of `sink`, oldest first (due or not: grouping decides). */
  pending(sink: string): DeliveryRecord[] {
    const rows = this.sql(
      `SELECT * FROM alert_delivery WHERE sink = ? AND state = 'pending' ORDER BY queued_at, key`,
    ).all(sink) as DeliveryRow[];
    return rows.map(toRecord);
  }

  markSent(sink: string, keys: readonly string[], now: number): void {
    const st = this.sql(
      `UPDATE alert_delivery SET state = 'sent', sent_at = ?, attempts = attempts + 1,
         last_error = NULL WHERE sink = ? AND key = ? AND state = 'pending'`,
    );
    this.db.transaction(() => {
      for (const k of keys) st.run(now, sink, k);
      this.sql(
        `DELETE FROM alert_delivery WHERE sink = ? AND state = 'sent' AND key NOT IN (
           SELECT key FROM alert_delivery WHERE sink = ? AND state = 'sent'
             ORDER BY sent_at DESC LIMIT ?)`,
      ).run(sink, sink, this.keepSentPerSink);
    })();
  }

  markFailed(sink: string, keys: readonly string[], error: string, nextAttemptAt: number): void {
    const st = this.sql(
      `UPDATE alert_delivery SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?
         WHERE sink = ? AND key = ? AND state = 'pending'`,
    );
    this.db.transaction(() => {
      for (const k of keys) st.run(error, nextAttemptAt, sink, k);
    })();
  }

  /** Every delivery, newest first (for `pxr alerts`). */
  list(limit = 200): DeliveryRecord[] {
    const rows = this.sql(
      `SELECT * FROM alert_delivery ORDER BY COALESCE(sent_at, queued_at) DESC, key LIMIT ?`,
    ).all(limit) as DeliveryRow[];
    return rows.map(toRecord);
  }

  /** Pending deliveries per sink (the outbox depth a metric shows). */
  pendingCounts(): Map<string, number> {
    const rows = this.sql(
      `SELECT sink, count(*) AS n FROM alert_delivery WHERE state = 'pending' GROUP BY sink`,
    ).all() as { sink: string; n: number }[];
    return new Map(rows.map((r) => [r.sink, r.n]));
  }
}
