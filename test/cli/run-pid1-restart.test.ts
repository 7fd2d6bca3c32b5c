/**
 * In the container image pxr is PID 1. A pid lock file said `1 <host>` there: after an unclean stop
 * (OOM kill, power loss) the next start saw "pid 1 is alive" (itself) and restart-looped. This runs
 * `pxr run --sim` as PID 1 of a new pid namespace, SIGKILLs it, and starts it again on the same
 * database: the kernel-held lock is gone with the process, so the second start succeeds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../helpers/wait.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PXR = join(ROOT, 'bin', 'pxr.js');

// A pid namespace needs root (or user namespaces); without it there is nothing to show here.
const canUnshare =
  spawnSync('unshare', ['-p', '-f', '--mount-proc', 'true'], { stdio: 'ignore' }).status === 0;

interface Pid1Run {
  child: ChildProcess;
  logs: () => string;
  /** The host pid of the namespace's PID 1 (the node process running pxr). */
  pid1: () => number | undefined;
}

function startAsPid1(dir: string): Pid1Run {
  // --kill-child: if this test dies, the namespace (and pxr in it) goes with unshare.
  const child = spawn(
    'unshare',
    [
      '-p',
      '--kill-child=SIGKILL',
      '--mount-proc',
      process.execPath,
      PXR,
      'run',
      '--sim',
      '--listen',
      '127.0.0.1:0',
      '--db',
      join(dir, 'data', 'pxr.db'),
    ],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let logs = '';
  child.stdout.on('data', (d: Buffer) => (logs += d.toString()));
  child.stderr.on('data', (d: Buffer) => (logs += d.toString()));
  return {
    child,
    logs: () => logs,
    pid1: () => {
      try {
        const pid = Number(
          readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim(),
        );
        return pid > 0 ? pid : undefined;
      } catch {
        return undefined;
      }
    },
  };
}

async function exited(c: ChildProcess, what: string): Promise<void> {
  await waitFor(what, () => c.exitCode !== null || c.signalCode !== null, 30_000, 50);
}

test(
  'pxr run as PID 1, killed with SIGKILL, starts again on the same database',
  { skip: canUnshare ? false : 'needs unshare -p (root)' },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pxr-pid1-'));
    cpSync(join(ROOT, 'manifests'), join(dir, 'manifests'), { recursive: true });
    const runs: Pid1Run[] = [];
    try {
      const first = startAsPid1(dir);
      runs.push(first);
      await waitFor(
        'the first run to announce its HTTP address',
        () => /"http":"http:/.test(first.logs()),
        60_000,
        100,
      ).catch((err: Error) => {
        throw new Error(`${err.message}\n--- logs ---\n${first.logs().slice(-2000)}`);
      });
      const pid1 = await waitFor('the host pid of PID 1', () => first.pid1(), 10_000);
      // NSpid lists the pid in each namespace, innermost last.
      const nspid = /^NSpid:\s+(.*)$/m.exec(readFileSync(`/proc/${pid1}/status`, 'utf8'))?.[1];
      assert.equal(
        nspid?.split(/\s+/).at(-1),
        '1',
        `pxr is PID 1 in its namespace (NSpid ${nspid})`,
      );
      process.kill(pid1, 'SIGKILL'); // as the OOM killer does: no handler, no clean-up
      await exited(first.child, 'the first run to exit after SIGKILL');

      const second = startAsPid1(dir);
      runs.push(second);
      await waitFor(
        'the second run to announce its HTTP address',
        () =>
          /"http":"http:/.test(second.logs())
            ? true
            : second.child.exitCode !== null
              ? true
              : undefined,
        60_000,
        100,
      );
      assert.equal(
        second.child.exitCode,
        null,
        `second run exited:\n${second.logs().slice(-2000)}`,
      );
      assert.doesNotMatch(second.logs(), /DB_LOCKED|another pxr run/);
      const base = /"http":"(http:[^"]+)"/.exec(second.logs())![1];
      const health = await fetch(`${base}/healthz`);
      assert.equal(health.status, 200);
      // unshare ignores SIGTERM while it waits; pxr (PID 1, with a handler) stops cleanly on it.
      process.kill(second.pid1()!, 'SIGTERM');
      await exited(second.child, 'the second run to stop on SIGTERM');
    } finally {
      for (const r of runs) {
        const pid = r.pid1();
        if (pid) process.kill(pid, 'SIGKILL');
        if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
        await exited(r.child, 'unshare to exit').catch(() => undefined);
      }
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
