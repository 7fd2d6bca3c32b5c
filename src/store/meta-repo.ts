import type { Database, Statement } from 'better-sqlite3';
import { statementCache } from './statements.js';

/** Small durable flags of the runtime (e.g. "prune currently refused"), so restarts keep them. */
export class MetaRepo {
  private readonly sql: (sql: string) => Statement;

  constructor(private readonly db: Database) {
    this.sql = statementCache(db);
  }

  get(key: string): string | undefined {
    const row = this.sql('SELECT value FROM meta WHERE key = ?').get(key) as
      { value: string } | undefined;
    return row?.value;
  }

  /** Returns whether it wrote (unchanged values are not rewritten). */
  set(key: string, value: string): boolean {
    if (this.get(key) === value) return false;
    this.sql(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    ).run(key, value);
    return true;
  }

  delete(key: string): boolean {
    return this.sql('DELETE FROM meta WHERE key = ?').run(key).changes > 0;
  }

  /** Keys starting with `prefix` (e.g. the `reconcile/` requests of `pxr reconcile`). */
  keys(prefix: string): string[] {
    const rows = this.sql('SELECT key FROM meta WHERE key >= ? AND key < ? ORDER BY key').all(
      prefix,
      `${prefix}\uffff`,
    ) as { key: string }[];
    return rows.map((r) => r.key);
  }
}
