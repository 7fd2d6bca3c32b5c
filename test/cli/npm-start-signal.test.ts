/**
 * `npm start` under a supervisor (systemd, a test harness) is stopped with SIGTERM to npm. npm
 * forwards it to its child; when that child was `sh -c "node …"`, sh died and node kept the port and
 * the database lock. The start script now `exec`s node, so the signal reaches pxr itself.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../helpers/wait.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Pids of processes whose command line mentions `marker` (the test's temp folder). */
function processesWith(marker: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(marker))
        found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((ok) => s.listen(0, '127.0.0.1', ok));
  const addr = s.address();
  await new Promise<void>((ok) => s.close(() => ok()));
  return typeof addr === 'object' && addr ? addr.port : 0;
}

test(
  'SIGTERM to `npm start` stops pxr: no process is left holding the port or the lock',
  { skip: process.platform !== 'linux' ? 'reads /proc' : false },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pxr-npm-start-'));
    cpSync(join(ROOT, 'manifests'), join(dir, 'manifests'), { recursive: true });
    const port = await freePort();
    const npm = spawn(
      'npm',
      [
        'start',
        '--',
        '--db',
        join(dir, 'data', 'pxr.db'),
        '--manifests',
        join(dir, 'manifests'),
        '--listen',
        `127.0.0.1:${port}`,
      ],
      {
        cwd: ROOT,
        env: { ...process.env, npm_config_update_notifier: 'false' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let logs = '';
    npm.stdout.on('data', (d: Buffer) => (logs += d.toString()));
    npm.stderr.on('data', (d: Buffer) => (logs += d.toString()));
    try {
      // Its signal handlers are in place once it says it runs (the probe answers earlier).
      await waitFor(
        'pxr (started by npm start) to log that it runs',
        () => /pxr running/.test(logs),
        90_000,
        100,
      ).catch((err: Error) => {
        throw new Error(`${err.message}\n--- logs ---\n${logs.slice(-2000)}`);
      });
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      assert.equal(health.status, 200, 'pxr serves its probe on the given port');
      assert.ok(processesWith(dir).length > 0, 'pxr runs, its command line naming the temp db');
      npm.kill('SIGTERM');
      await waitFor(
        'npm to exit after SIGTERM',
        () => npm.exitCode !== null || npm.signalCode !== null,
        30_000,
        50,
      );
      // pxr's clean stop finishes within npm's wait; allow it a moment for a slow machine.
      await waitFor(
        'no process left running pxr on the temp db',
        () => (processesWith(dir).length === 0 ? true : undefined),
        15_000,
        100,
      ).catch((err: Error) => {
        throw new Error(`${err.message}: ${processesWith(dir).join(', ')}\n${logs.slice(-1500)}`);
      });
      assert.match(logs, /stopping/, `pxr logged its clean stop:\n${logs.slice(-1500)}`);
    } finally {
      if (npm.exitCode === null && npm.signalCode === null) npm.kill('SIGKILL');
      for (const pid of processesWith(dir)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test('a SIGTERM during start-up stops pxr cleanly once started (exit 0), not half-way', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pxr-early-term-'));
  cpSync(join(ROOT, 'manifests'), join(dir, 'manifests'), { recursive: true });
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [join(ROOT, 'bin', 'pxr.js'), 'run', '--sim', '--listen', `127.0.0.1:${port}`],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let logs = '';
  child.stdout.on('data', (d: Buffer) => (logs += d.toString()));
  child.stderr.on('data', (d: Buffer) => (logs += d.toString()));
  try {
    // The probe port is bound first, before the simulator and the controller start.
    await waitFor(
      'the probe port to answer',
      async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.ok,
      60_000,
      20,
    );
    child.kill('SIGTERM');
    await waitFor(
      'pxr to exit',
      () => child.exitCode !== null || child.signalCode !== null,
      60_000,
    );
    assert.equal(child.signalCode, null, `not killed by the signal:\n${logs.slice(-1500)}`);
    assert.equal(child.exitCode, 0, logs.slice(-1500));
    assert.match(logs, /"msg":"stopped"/);
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
