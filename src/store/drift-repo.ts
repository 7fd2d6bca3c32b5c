import type { Database, Statement } from 'better-sqlite3';
import { statementCache } from './statements.js';
import type { DriftItem, ObjectRef } from '../core/kind.js';
import { canonicalJson } from './canonical-json.js';
import { parseColumn } from './json-column.js';
import type { DriftTransition } from '../core/store-port.js';

export type { DriftTransition };

export interface DriftRecord extends DriftItem {
  id: number;
  kind: string;
  name: string;
  detectedAt: number;
  resolvedAt: number | null;
  /** pxr put the field back (policy `correct`); false when it went away by itself or is open. */
  corrected: boolean;
}

interface DriftRow {
  id: number;
  kind: string;
  name: string;
  field: string;
  desired: string;
  actual: string;
  detected_at: number;
  resolved_at: number | null;
  corrected: number;
}

function toRecord(r: DriftRow): DriftRecord {
  const key = `${r.kind}/${r.name}`;
  return {
    id: r.id,
    kind: r.kind,
    name: r.name,
    field: r.field,
    desired: parseColumn(r.desired, 'drift', 'desired', key),
    actual: parseColumn(r.actual, 'drift', 'actual', key),
    detectedAt: r.detected_at,
    resolvedAt: r.resolved_at,
    corrected: r.corrected === 1,
  };
}

/** Drift records; at most one open record per (object, field), updated rather than duplicated. */
export class DriftRepo {
  private readonly sql: (sql: string) => Statement;

  constructor(
    private readonly db: Database,
    /** Resolved records kept per object (open ones are always kept). @default 100 */
    private readonly keepResolvedPerObject = 100,
  ) {
    this.sql = statementCache(db);
  }

  /** Records drift seen in a pass; `corrected` means pxr fixed it in that same pass. */
  observe(ref: ObjectRef, item: DriftItem, corrected: boolean, now: number): DriftTransition {
    const desired = canonicalJson(item.desired ?? null);
    const actual = canonicalJson(item.actual ?? null);
    const open = this.openRow(ref, item.field);
    if (corrected) {
      if (open) {
        this.sql(
          'UPDATE drift SET desired = ?, actual = ?, resolved_at = ?, corrected = 1 WHERE id = ?',
        ).run(desired, actual, now, open.id);
      } else {
        this.sql(
          `INSERT INTO drift (kind, name, field, desired, actual, detected_at, resolved_at, corrected)
             VALUES (?, ?, ?, ?, ?, ?, ?, 1)`,
        ).run(ref.kind, ref.name, item.field, desired, actual, now, now);
      }
      this.trim(ref);
      return 'corrected';
    }
    if (!open) {
      this.sql(
        `INSERT INTO drift (kind, name, field, desired, actual, detected_at, corrected)
           VALUES (?, ?, ?, ?, ?, ?, 0)`,
      ).run(ref.kind, ref.name, item.field, desired, actual, now);
      return 'detected';
    }
    if (open.desired === desired && open.actual === actual) return 'unchanged';
    this.sql('UPDATE drift SET desired = ?, actual = ? WHERE id = ?').run(desired, actual, open.id);
    return 'changed';
  }

  /** Closes open drift on fields not seen in this pass (reality came back by itself). */
  resolveMissing(ref: ObjectRef, seenFields: ReadonlySet<string>, now: number): string[] {
    const resolved: string[] = [];
    for (const d of this.open(ref)) {
      if (seenFields.has(d.field)) continue;
      this.sql('UPDATE drift SET resolved_at = ? WHERE id = ?').run(now, d.id);
      resolved.push(d.field);
    }
    if (resolved.length > 0) this.trim(ref);
    return resolved;
  }

  open(ref: ObjectRef): DriftRecord[] {
    const rows = this.sql(
      'SELECT * FROM drift WHERE kind = ? AND name = ? AND resolved_at IS NULL ORDER BY field',
    ).all(ref.kind, ref.name) as DriftRow[];
    return rows.map(toRecord);
  }

  /** Every open drift record of every object (reminders for drift left in place). */
  allOpen(): DriftRecord[] {
    const rows = this.sql(
      'SELECT * FROM drift WHERE resolved_at IS NULL ORDER BY kind, name, field',
    ).all() as DriftRow[];
    return rows.map(toRecord);
  }

  /** Newest first, open and resolved. */
  list(ref: ObjectRef, limit = 50): DriftRecord[] {
    const rows = this.sql(
      'SELECT * FROM drift WHERE kind = ? AND name = ? ORDER BY id DESC LIMIT ?',
    ).all(ref.kind, ref.name, limit) as DriftRow[];
    return rows.map(toRecord);
  }

  /** Number of open drift records per object, for `pxr get`. */
  openCounts(): Map<string, number> {
    const rows = this.sql(
      'SELECT kind, name, count(*) AS n FROM drift WHERE resolved_at IS NULL GROUP BY kind, name',
    ).all() as { kind: string; name: string; n: number }[];
    return new Map(rows.map((r) => [`${r.kind}/${r.name}`, r.n]));
  }

  deleteFor(ref: ObjectRef): void {
    this.sql('DELETE FROM drift WHERE kind = ? AND name = ?').run(ref.kind, ref.name);
  }

  /** Drift that recurs forever (someone keeps changing a field) must not grow the file forever. */
  private trim(ref: ObjectRef): void {
    this.sql(
      `DELETE FROM drift WHERE kind = ? AND name = ? AND resolved_at IS NOT NULL AND id NOT IN (
         SELECT id FROM drift WHERE kind = ? AND name = ? AND resolved_at IS NOT NULL
           ORDER BY id DESC LIMIT ?)`,
    ).run(ref.kind, ref.name, ref.kind, ref.name, this.keepResolvedPerObject);
  }

  private openRow(ref: ObjectRef, field: string): DriftRow | undefined {
    return this.sql(
      'SELECT * FROM drift WHERE kind = ? AND name = ? AND field = ? AND resolved_at IS NULL',
    ).get(ref.kind, ref.name, field) as DriftRow | undefined;
  }
}
