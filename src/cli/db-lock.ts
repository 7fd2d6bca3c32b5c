/**
 * One controller per database: two `pxr run` on the same SQLite file would both reconcile the same
 * objects. A lock file beside the database holds the owner's pid; a lock whose process is gone is
 * stale and taken over. (A heartbeat in SQLite would write on every sweep; a file written once does
 * not.) Readers (`pxr get`, ...) never take it.
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { hostname } from 'node:os';
import { PxrError } from '../core/errors.js';

export interface DbLock {
  readonly path: string;
  release(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes `<db>.lock`, or throws `DB_LOCKED` naming the pid that holds it. `:memory:` needs no lock. */
export function lockDatabase(db: string): DbLock {
  if (db === ':memory:') return { path: '', release: () => undefined };
  const path = `${db}.lock`;
  mkdirSync(dirname(db), { recursive: true }); // the store would create it next anyway
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o644);
      writeSync(fd, `${process.pid} ${hostname()}\n`);
      closeSync(fd);
      let released = false;
      return {
        path,
        release: () => {
          if (released) return;
          released = true;
          rmSync(path, { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const [pidText, host] = readFileSync(path, 'utf8').trim().split(' ');
      const pid = Number(pidText);
      const sameHost = host === undefined || host === hostname();
      if (Number.isInteger(pid) && pid > 0 && (!sameHost || alive(pid))) {
        throw new PxrError(
          'DB_LOCKED',
          `another pxr run (pid ${pid}${sameHost ? '' : ` on ${host}`}) is using ${db}; stop it first (lock: ${path})`,
          { context: { db, pid } },
        );
      }
      rmSync(path, { force: true }); // stale: its process is gone
    }
  }
  throw new PxrError('DB_LOCKED', `cannot take the lock ${path}`, { context: { db } });
}
