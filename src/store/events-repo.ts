import type { Database, Statement } from 'better-sqlite3';
import { statementCache } from './statements.js';
import type { ObjectRef } from '../core/kind.js';
import type { EventInput, EventType } from '../core/store-port.js';

export type { EventInput, EventType };

export interface EventRecord extends EventInput {
  id: number;
  /**
   * Bumped on every insert *and* every repeat, so `pxr events --follow` (which polls `since`) also
   * sees a repeated event whose count went up.
   */
  seq: number;
  kind: string;
  name: string;
  count: number;
  firstSeen: number;
  lastSeen: number;
}

interface EventRow {
  id: number;
  seq: number;
  kind: string;
  name: string;
  type: EventType;
  reason: string;
  message: string;
  count: number;
  first_seen: number;
  last_seen: number;
}

function toRecord(r: EventRow): EventRecord {
  return {
    id: r.id,
    seq: r.seq,
    kind: r.kind,
    name: r.name,
    type: r.type,
    reason: r.reason,
    message: r.message,
    count: r.count,
    firstSeen: r.first_seen,
    lastSeen: r.last_seen,
  };
}

export interface EventQuery {
  /** Only events whose `seq` is greater (for polling followers). */
  sinceSeq?: number;
  ref?: ObjectRef;
  /** Most recent first when set without `sinceSeq`. @default 100 */
  limit?: number;
}

/** Kubernetes-style events, deduplicated by (object, type, reason, message). */
export class EventsRepo {
  private readonly sql: (sql: string) => Statement;

  constructor(
    private readonly db: Database,
    /** Events kept per object. @default 50 */
    private readonly keepPerObject = 50,
  ) {
    this.sql = statementCache(db);
  }

  /** Records an event, or bumps count/lastSeen of the identical one. */
  record(ref: ObjectRef, e: EventInput, now: number): void {
    const seq = this.nextSeq();
    const bumped = this.sql(
      `UPDATE events SET count = count + 1, last_seen = ?, seq = ?
         WHERE kind = ? AND name = ? AND type = ? AND reason = ? AND message = ?`,
    ).run(now, seq, ref.kind, ref.name, e.type, e.reason, e.message);
    if (bumped.changes > 0) return;
    this.sql(
      `INSERT INTO events (seq, kind, name, type, reason, message, count, first_seen, last_seen)
         VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)`,
    ).run(seq, ref.kind, ref.name, e.type, e.reason, e.message, now, now);
    this.trim(ref);
  }

  /** Whether an identical event already exists (for events emitted once per condition). */
  exists(ref: ObjectRef, e: EventInput): boolean {
    return (
      this.sql(
        `SELECT 1 FROM events
           WHERE kind = ? AND name = ? AND type = ? AND reason = ? AND message = ?`,
      ).get(ref.kind, ref.name, e.type, e.reason, e.message) !== undefined
    );
  }

  /**
   * With `sinceSeq`: events touched after it, oldest first (follow mode). Otherwise the most recent
   * `limit` events, newest first.
   */
  list(q: EventQuery = {}): EventRecord[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (q.ref) {
      where.push('kind = ? AND name = ?');
      args.push(q.ref.kind, q.ref.name);
    }
    if (q.sinceSeq !== undefined) {
      where.push('seq > ?');
      args.push(q.sinceSeq);
    }
    const order = q.sinceSeq !== undefined ? 'seq ASC' : 'seq DESC';
    const sql = `SELECT * FROM events ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY ${order} LIMIT ?`;
    args.push(q.limit ?? 100);
    return (this.sql(sql).all(...args) as EventRow[]).map(toRecord);
  }

  /** Highest seq so far (a follower starts here). */
  lastSeq(): number {
    return (this.sql('SELECT coalesce(max(seq), 0) AS s FROM events').get() as { s: number }).s;
  }

  private nextSeq(): number {
    return this.lastSeq() + 1;
  }

  private trim(ref: ObjectRef): void {
    const n = (
      this.sql('SELECT count(*) AS n FROM events WHERE kind = ? AND name = ?').get(
        ref.kind,
        ref.name,
      ) as { n: number }
    ).n;
    if (n <= this.keepPerObject) return;
    this.sql(
      `DELETE FROM events WHERE kind = ? AND name = ? AND id NOT IN (
           SELECT id FROM events WHERE kind = ? AND name = ? ORDER BY seq DESC LIMIT ?)`,
    ).run(ref.kind, ref.name, ref.kind, ref.name, this.keepPerObject);
  }
}
