import type { Database } from 'better-sqlite3';

/** Small durable flags of the runtime (e.g. "prune currently refused"), so restarts keep them. */
export class MetaRepo {
  constructor(private readonly db: Database) {}

  get(key: string): string | undefined {
    const row = this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as
      { value: string } | undefined;
    return row?.value;
  }

  /** Returns whether it wrote (unchanged values are not rewritten). */
  set(key: string, value: string): boolean {
    if (this.get(key) === value) return false;
    this.db
      .prepare(
        'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      )
      .run(key, value);
    return true;
  }

  delete(key: string): boolean {
    return this.db.prepare('DELETE FROM meta WHERE key = ?').run(key).changes > 0;
  }
}
