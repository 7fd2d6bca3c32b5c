import type { Database, Statement } from 'better-sqlite3';

/**
 * Memoizes prepared statements by SQL text: preparing costs more than running most of our queries,
 * and a sweep runs the same few statements thousands of times.
 */
export function statementCache(db: Database): (sql: string) => Statement {
  const cache = new Map<string, Statement>();
  return (sql) => {
    let s = cache.get(sql);
    if (!s) {
      s = db.prepare(sql);
      cache.set(sql, s);
    }
    return s;
  };
}
