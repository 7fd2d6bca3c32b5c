import type { Database, Statement } from 'better-sqlite3';
import { statementCache } from './statements.js';
import type { ObjectRef } from '../core/kind.js';
import { parseColumn } from './json-column.js';
import type { HistoryInput, HistoryRecord, ReconcileResult } from '../core/store-port.js';

export type { HistoryInput, HistoryRecord };

interface HistoryRow {
  id: number;
  kind: string;
  name: string;
  reconcile_id: string;
  started_at: number;
  duration_ms: number;
  result: ReconcileResult;
  actions: string;
  error: string | null;
}

/** The last N reconcile runs per object. */
export class HistoryRepo {
  private readonly sql: (sql: string) => Statement;

  constructor(
    private readonly db: Database,
    /** Runs kept per object. @default 20 */
    private readonly keepPerObject = 20,
  ) {
    this.sql = statementCache(db);
  }

  record(ref: ObjectRef, h: HistoryInput): void {
    this.sql(
      `INSERT INTO history (kind, name, reconcile_id, started_at, duration_ms, result, actions, error)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      ref.kind,
      ref.name,
      h.reconcileId,
      h.startedAt,
      h.durationMs,
      h.result,
      JSON.stringify(h.actions),
      h.error ?? null,
    );
    this.sql(
      `DELETE FROM history WHERE kind = ? AND name = ? AND id NOT IN (
           SELECT id FROM history WHERE kind = ? AND name = ? ORDER BY id DESC LIMIT ?)`,
    ).run(ref.kind, ref.name, ref.kind, ref.name, this.keepPerObject);
  }

  /** Newest first. */
  list(ref: ObjectRef, limit = this.keepPerObject): HistoryRecord[] {
    const rows = this.sql(
      'SELECT * FROM history WHERE kind = ? AND name = ? ORDER BY id DESC LIMIT ?',
    ).all(ref.kind, ref.name, limit) as HistoryRow[];
    return rows.map((r) => {
      const rec: HistoryRecord = {
        id: r.id,
        kind: r.kind,
        name: r.name,
        reconcileId: r.reconcile_id,
        startedAt: r.started_at,
        durationMs: r.duration_ms,
        result: r.result,
        actions: parseColumn(r.actions, 'history', 'actions', `${r.kind}/${r.name}`),
      };
      if (r.error !== null) rec.error = r.error;
      return rec;
    });
  }

  deleteFor(ref: ObjectRef): void {
    this.sql('DELETE FROM history WHERE kind = ? AND name = ?').run(ref.kind, ref.name);
  }
}
