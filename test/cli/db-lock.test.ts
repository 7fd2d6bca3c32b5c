import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { systemClock } from '../../src/core/clock.js';
import { lockDatabase } from '../../src/cli/db-lock.js';
import { startControllerApp } from '../../src/cli/controller-app.js';
import { quietLog, startHarness } from '../e2e/harness.js';
import { waitFor } from '../helpers/wait.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const now = (): Date => new Date(systemClock.now());

function tempDb(): { dir: string; db: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'pxr-lock-'));
  // A folder that does not exist yet, as ./data on a first `npm start`.
  return {
    dir,
    db: join(dir, 'data', 'pxr.db'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

test('a second controller on the same database is refused, naming the pid that holds it', () => {
  const { db, cleanup } = tempDb();
  try {
    const lock = lockDatabase(db, now());
    assert.throws(
      () => lockDatabase(db, now()),
      (err: Error & { code?: string }) => {
        assert.equal(err.code, 'DB_LOCKED');
        assert.match(err.message, new RegExp(`another pxr run \\(pid ${process.pid} on `));
        return true;
      },
    );
    lock.release();
    lockDatabase(db, now()).release();
  } finally {
    cleanup();
  }
});

test('a symlink to the database shares its lock (the path is resolved first)', () => {
  const { dir, db, cleanup } = tempDb();
  try {
    const lock = lockDatabase(db, now());
    symlinkSync(db, join(dir, 'link.db'));
    symlinkSync(join(dir, 'data'), join(dir, 'data-link'));
    assert.throws(() => lockDatabase(join(dir, 'link.db'), now()), /another pxr run/);
    assert.throws(() => lockDatabase(join(dir, 'data-link', 'pxr.db'), now()), /another pxr run/);
    lock.release();
  } finally {
    cleanup();
  }
});

test('a pid lock file from an earlier version (pid 1 in a container) does not block the start', () => {
  const { dir, db, cleanup } = tempDb();
  try {
    mkdirSync(join(dir, 'data'));
    writeFileSync(`${db}.lock`, '1 0123456789ab\n');
    lockDatabase(db, now()).release();
  } finally {
    cleanup();
  }
});

test('the lock of a process killed with SIGKILL is free at once (the kernel releases it)', async () => {
  const { db, cleanup } = tempDb();
  const script = [
    `import { lockDatabase } from ${JSON.stringify(join(ROOT, 'src/cli/db-lock.ts'))};`,
    `lockDatabase(${JSON.stringify(db)}, new Date());`,
    `process.stdout.write('locked\\n');`,
    'setInterval(() => undefined, 1000);',
  ].join('\n');
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await waitFor('the child to take the lock', () => out.includes('locked'), 60_000);
    assert.throws(() => lockDatabase(db, now()), /another pxr run \(pid \d+ on /);
    const exited = new Promise((ok) => child.once('exit', ok));
    child.kill('SIGKILL');
    await exited;
    lockDatabase(db, now()).release();
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
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
      /another pxr run \(pid \d+ on .*\) is using/,
    );
  } finally {
    await h.close();
  }
});
