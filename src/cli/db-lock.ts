/**
 * One controller per database: two `pxr run` on the same SQLite file would both reconcile the same
 * objects. The lock is SQLite's own: `<db>.lock` is a small SQLite file in which the owner keeps a
 * write transaction (`BEGIN IMMEDIATE`, a RESERVED lock) open for its whole life. The kernel drops
 * that lock when the process ends however it ends (SIGKILL, OOM, power loss), so nothing is ever
 * stale — a pid file was, and in a container (pxr is PID 1, the hostname changes on re-create) its
 * liveness check could not tell. Readers (`pxr get`, ...) never take it.
 *
 * RESERVED still lets others read, so a refused start can name the owner (pid, host, since), which
 * the owner committed in the file just before it took the lock for good.
 */
import {
  closeSync,
  mkdirSync,
  openSync,
  readlinkSync,
  readSync,
  realpathSync,
  rmSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { hostname } from 'node:os';
import Database from 'better-sqlite3';
import { PxrError } from '../core/errors.js';

export interface DbLock {
  readonly path: string;
  release(): void;
}

export interface LockOwner {
  pid: number;
  host: string;
  /** ISO time the lock was taken. */
  since: string;
}

/** The database path with every symlink resolved, so `--db link.db` and `--db real.db` share a lock. */
export function realDbPath(db: string, depth = 0): string {
  const dir = dirname(db);
  mkdirSync(dir, { recursive: true }); // the store would create it next anyway
  const real = join(realpathSync(dir), basename(db));
  let target: string;
  try {
    target = readlinkSync(real);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EINVAL' || code === 'ENOENT') return real; // not a link, or not created yet
    throw err;
  }
  // A link to a database not created yet (first start) must still resolve to where it will be.
  if (depth > 32) throw new PxrError('DB_PATH', `${db}: too many levels of symbolic links`);
  return realDbPath(resolve(dirname(real), target), depth + 1);
}

/** Earlier versions wrote `<pid> <host>` as text here; such a file is replaced, not refused. */
function isLegacyPidFile(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return false;
  }
  try {
    const head = Buffer.alloc(16);
    const n = readSync(fd, head, 0, 16, 0);
    return n > 0 && head.toString('latin1', 0, n) !== 'SQLite format 3\0'.slice(0, n);
  } finally {
    closeSync(fd);
  }
}

const isBusy = (err: unknown): boolean =>
  /^SQLITE_(BUSY|LOCKED)/.test((err as { code?: string }).code ?? '');

function readOwner(conn: Database.Database): LockOwner | undefined {
  try {
    return conn.prepare('SELECT pid, host, since FROM owner').get() as LockOwner | undefined;
  } catch {
    return undefined; // the owner is committing its row right now: the message goes without it
  }
}

function refused(db: string, path: string, owner: LockOwner | undefined): PxrError {
  const who = owner ? ` (pid ${owner.pid} on ${owner.host}, since ${owner.since})` : '';
  return new PxrError(
    'DB_LOCKED',
    `another pxr run${who} is using ${db}; stop it first (it holds ${path}, which is released when that process ends)`,
    { context: { db, ...(owner ? { pid: owner.pid, host: owner.host } : {}) } },
  );
}

/**
 * Takes `<db>.lock` (after resolving symlinks), or throws `DB_LOCKED` naming the owner.
 * `:memory:` needs no lock. `now` is when the lock was taken, as a refused process is told.
 */
export function lockDatabase(db: string, now: Date): DbLock {
  if (db === ':memory:') return { path: '', release: () => undefined };
  const owner = { pid: process.pid, host: hostname(), since: now };
  const real = realDbPath(db);
  const path = `${real}.lock`;
  if (isLegacyPidFile(path)) rmSync(path, { force: true });
  // timeout 0: a held lock is an answer, not something to wait for.
  const conn = new Database(path, { timeout: 0 });
  try {
    conn.pragma('journal_mode = DELETE');
    try {
      conn.exec('CREATE TABLE IF NOT EXISTS owner (pid INTEGER, host TEXT, since TEXT)');
      conn.exec('BEGIN IMMEDIATE');
    } catch (err) {
      if (isBusy(err)) throw refused(db, path, readOwner(conn));
      throw err;
    }
    // Ours. Publish who we are (committed, so a refused process can read it), then take the lock
    // again for good. Between the two another process may win it: then that one owns the database.
    conn.exec('DELETE FROM owner');
    conn
      .prepare('INSERT INTO owner (pid, host, since) VALUES (?, ?, ?)')
      .run(owner.pid, owner.host, owner.since.toISOString());
    conn.pragma('busy_timeout = 2000'); // a refused process may be reading the row this instant
    conn.exec('COMMIT');
    conn.pragma('busy_timeout = 0');
    try {
      conn.exec('BEGIN IMMEDIATE');
    } catch (err) {
      if (isBusy(err)) throw refused(db, path, readOwner(conn));
      throw err;
    }
  } catch (err) {
    conn.close();
    throw err;
  }
  let released = false;
  return {
    path,
    release: () => {
      if (released) return;
      released = true;
      // The file stays: removing it while another process opens it would give two lock files.
      conn.exec('ROLLBACK');
      conn.close();
    },
  };
}
