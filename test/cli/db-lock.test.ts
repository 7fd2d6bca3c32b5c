import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../src/core/clock.js';
import { lockDatabase } from '../../src/cli/db-lock.js';
import { startControllerApp } from '../../src/cli/controller-app.js';
import { quietLog, startHarness } from '../e2e/harness.js';

function tempDb(): { db: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'pxr-lock-'));
  // A folder that does not exist yet, as ./data on a first `npm start`.
  return {
    db: join(dir, 'data', 'pxr.db'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

test('a second controller on the same database is refused, naming the pid that holds it', () => {
  const { db, cleanup } = tempDb();
  try {
    const lock = lockDatabase(db);
    assert.throws(
      () => lockDatabase(db),
      (err: Error & { code?: string }) => {
        assert.equal(err.code, 'DB_LOCKED');
        assert.match(err.message, new RegExp(`another pxr run \\(pid ${process.pid}\\) is using`));
        return true;
      },
    );
    lock.release();
    assert.equal(existsSync(`${db}.lock`), false);
    lockDatabase(db).release();
  } finally {
    cleanup();
  }
});

test('a lock left by a process that is gone is taken over', () => {
  const { db, cleanup } = tempDb();
  try {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    });
    lockDatabase(db).release(); // creates the folder
    writeFileSync(`${db}.lock`, `${dead.stdout} ${hostname()}\n`);
    const lock = lockDatabase(db);
    lock.release();
  } finally {
    cleanup();
  }
});

test('startControllerApp refuses a database another running controller holds', async () => {
  const h = await startHarness();
  try {
    await assert.rejects(
      startControllerApp({
        manifests: h.manifests,
        db: h.db,
        clock: systemClock,
        log: quietLog,
        pve: h.pve,
        resyncMs: 60_000,
        maxPruneRatio: 0.5,
      }),
      /another pxr run \(pid \d+\) is using/,
    );
  } finally {
    await h.close();
  }
});
