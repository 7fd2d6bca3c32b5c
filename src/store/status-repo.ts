import type { Database, Statement } from 'better-sqlite3';
import { statementCache } from './statements.js';
import type { ObjectRef } from '../core/kind.js';
import { removeCondition, setCondition } from '../core/conditions.js';
import { canonicalJson } from './canonical-json.js';
import { parseColumn } from './json-column.js';
import { emptyStatus, type ReconcileResult, type StatusRecord } from '../core/store-port.js';

export { emptyStatus };
export type { ReconcileResult, StatusRecord };

interface StatusRow {
  kind: string;
  name: string;
  conditions: string;
  observed_generation: number;
  observed: string;
  stalled_generation: number | null;
  last_reconcile_at: number | null;
  last_result: ReconcileResult | null;
  source_invalid: number;
}

export const SOURCE_INVALID = 'SourceInvalid';

function toRecord(r: StatusRow): StatusRecord {
  const key = `${r.kind}/${r.name}`;
  return {
    conditions: parseColumn(r.conditions, 'status', 'conditions', key),
    observedGeneration: r.observed_generation,
    observed: parseColumn(r.observed, 'status', 'observed', key),
    stalledGeneration: r.stalled_generation,
    lastReconcileAt: r.last_reconcile_at,
    lastResult: r.last_result,
    sourceInvalid: r.source_invalid === 1,
  };
}

/** Everything but the reconcile time: equal fingerprints mean "nothing to write". */
function fingerprint(s: StatusRecord): string {
  return canonicalJson({ ...s, lastReconcileAt: null });
}

/** Per-object status. Every write is compare-then-write. */
export class StatusRepo {
  private readonly sql: (sql: string) => Statement;

  constructor(private readonly db: Database) {
    this.sql = statementCache(db);
  }

  get(ref: ObjectRef): StatusRecord | undefined {
    const row = this.sql('SELECT * FROM status WHERE kind = ? AND name = ?').get(
      ref.kind,
      ref.name,
    ) as StatusRow | undefined;
    return row ? toRecord(row) : undefined;
  }

  /** Writes `next` unless it equals the stored status; returns whether it wrote. */
  put(ref: ObjectRef, next: StatusRecord, now: number): boolean {
    const cur = this.get(ref);
    if (cur && fingerprint(cur) === fingerprint(next)) return false;
    this.sql(
      `INSERT INTO status (kind, name, conditions, observed_generation, observed,
           stalled_generation, last_reconcile_at, last_result, source_invalid, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (kind, name) DO UPDATE SET conditions = excluded.conditions,
           observed_generation = excluded.observed_generation, observed = excluded.observed,
           stalled_generation = excluded.stalled_generation,
           last_reconcile_at = excluded.last_reconcile_at, last_result = excluded.last_result,
           source_invalid = excluded.source_invalid, updated_at = excluded.updated_at`,
    ).run(
      ref.kind,
      ref.name,
      JSON.stringify(next.conditions),
      next.observedGeneration,
      canonicalJson(next.observed),
      next.stalledGeneration,
      next.lastReconcileAt,
      next.lastResult,
      next.sourceInvalid ? 1 : 0,
      now,
    );
    return true;
  }

  /** Sets or clears the SourceInvalid flag and condition; returns whether it wrote. */
  setSourceInvalid(ref: ObjectRef, invalid: boolean, message: string, now: number): boolean {
    const existing = this.get(ref);
    if (!invalid && !existing?.sourceInvalid) return false; // nothing to clear, write nothing
    const cur = existing ?? emptyStatus();
    const conditions = invalid
      ? setCondition(
          cur.conditions,
          { type: SOURCE_INVALID, status: 'True', reason: 'SourceInvalid', message },
          now,
        )
      : removeCondition(cur.conditions, SOURCE_INVALID);
    return this.put(ref, { ...cur, conditions, sourceInvalid: invalid }, now);
  }

  /** Objects per kind whose condition `type` is True, for /metrics. */
  trueConditionCounts(): { kind: string; type: string; count: number }[] {
    return this.sql(
      `SELECT s.kind AS kind, json_extract(c.value, '$.type') AS type, count(*) AS count
         FROM status s, json_each(s.conditions) c
        WHERE json_extract(c.value, '$.status') = 'True'
        GROUP BY 1, 2`,
    ).all() as { kind: string; type: string; count: number }[];
  }

  delete(ref: ObjectRef): void {
    this.sql('DELETE FROM status WHERE kind = ? AND name = ?').run(ref.kind, ref.name);
  }
}
