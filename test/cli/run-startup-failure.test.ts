/**
 * `pxr run` whose HTTP address is taken (a second pxr on the same host, say) must stop with one clear
 * line and a non-zero exit — not print a stack trace and keep reconciling without its probes.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lockDatabase } from '../../src/cli/db-lock.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PXR = join(ROOT, 'bin', 'pxr.js');

/** Runs pxr to its exit; a process still running after 60 s is killed (exit code null). */
async function runPxr(
  args: string[],
  cwd: string,
): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [PXR, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const code = await new Promise<number | null>((ok) => child.once('exit', (c) => ok(c)));
  clearTimeout(killer);
  return { code, out, err };
}

describe('pxr run when it cannot start', () => {
  let dir: string;
  let busy: Server;
  let port = 0;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pxr-cli-busy-'));
    cpSync(join(ROOT, 'manifests'), join(dir, 'manifests'), { recursive: true });
    busy = createServer();
    await new Promise<void>((ok) => busy.listen(0, '127.0.0.1', ok));
    const addr = busy.address();
    port = typeof addr === 'object' && addr ? addr.port : 0;
  });
  after(async () => {
    await new Promise<void>((ok) => busy.close(() => ok()));
    rmSync(dir, { recursive: true, force: true });
  });

  test('a missing --manifests folder exits 2 with one line naming it (the simulator does not hold the process)', async () => {
    const r = await runPxr(['run', '--sim', '--listen', '127.0.0.1:0', '--manifests', 'nope'], dir);
    assert.equal(r.code, 2, `exit code (stderr: ${r.err})`);
    assert.match(r.err, /^pxr run: cannot read the manifests folder .*nope\n$/);
  });

  test('a busy --listen address exits 2 with one line naming the address, and creates nothing', async () => {
    const { code, out, err } = await runPxr(
      ['run', '--sim', '--listen', `127.0.0.1:${port}`, '--db', 'busy/pxr.db'],
      dir,
    );
    assert.equal(code, 2, `exit code (stderr: ${err})`);
    assert.match(err, new RegExp(`127\\.0\\.0\\.1:${port}.*EADDRINUSE`));
    assert.doesNotMatch(err, /\n\s+at /, 'no stack trace');
    // Nothing was reconciled: the controller never started its workers.
    assert.doesNotMatch(out, /"msg":"reconciled"/);
    // Refused before the simulator started: it wrote no state.
    assert.equal(existsSync(join(dir, 'busy', 'sim-state.json')), false, 'no sim-state.json');
  });

  test('a database another pxr run holds exits 2 naming the owner, before the simulator starts', async () => {
    const lock = lockDatabase(join(dir, 'held', 'pxr.db'), new Date());
    try {
      const { code, out, err } = await runPxr(
        ['run', '--sim', '--listen', '127.0.0.1:0', '--db', 'held/pxr.db'],
        dir,
      );
      assert.equal(code, 2, `exit code (stderr: ${err})`);
      assert.match(err, new RegExp(`^pxr run: another pxr run \\(pid ${process.pid} on .*held`));
      assert.doesNotMatch(out, /simulator started/);
      assert.equal(existsSync(join(dir, 'held', 'sim-state.json')), false, 'no sim-state.json');
    } finally {
      lock.release();
    }
  });
});
