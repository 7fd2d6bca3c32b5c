/**
 * A real OpenSSH server for the transport tests: loopback only, a temp host key, root login with a
 * generated client key only. Outside CI a missing sshd/ssh-keygen (or not being root) skips the tests
 * with a message; in CI it is a failure (`startSshd` throws).
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../helpers/wait.js';

const SSHD = '/usr/sbin/sshd';

/** Arguments that break naive quoting: every one must arrive byte for byte. */
export const TRICKY = [
  '',
  ' ',
  "it's",
  "''",
  '"double"',
  '$HOME',
  '${PATH}',
  '$(touch /tmp/pxr-pwned)',
  '`id`',
  'a b  c',
  'line1\nline2\n',
  '\ttab',
  'back\\slash\\',
  '*',
  '~',
  '-n',
  'A=b',
  '; echo injected',
  '| & > < >>',
  '!event',
  '#comment',
  '{a,b}',
  'ünïcödé €😀',
];

export interface Sshd {
  port: number;
  /** The temp folder holding keys, config and anything a test puts there. */
  dir: string;
  clientKey: string;
  /** A key the server does not know. */
  strangerKey: string;
  /** `SHA256:...` of the host key as ssh-keygen prints it. */
  hostFingerprint: string;
  /** A valid fingerprint of a different key. */
  otherFingerprint: string;
  /** Kills every per-connection sshd process (the children of the listener): all clients drop. */
  dropConnections(): number;
  /** Everything sshd wrote to stderr so far (for diagnosing a failed test). */
  log(): string;
  stop(): Promise<void>;
}

/** Whether a process exists (the sshd runs on this host, so remote pids are local pids). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}

/** The pids a test command wrote, one a line, once `n` of them are there. */
export function pidsIn(file: string, n: number): number[] | undefined {
  if (!existsSync(file)) return undefined;
  const pids = readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number);
  return pids.length >= n ? pids : undefined;
}

/** Why the sshd tests cannot run here, or undefined when they can. */
export function sshdUnavailable(): string | undefined {
  if (!existsSync(SSHD)) return `${SSHD} not found (apt-get install openssh-server)`;
  try {
    execFileSync('ssh-keygen', ['-?'], { stdio: 'ignore' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      return 'ssh-keygen not found (apt-get install openssh-client)';
    }
  }
  if (process.getuid?.() !== 0) return 'sshd tests log in as root and must run as root';
  return undefined;
}

/** In CI nothing is skipped: a missing tool fails the test run instead. */
export function skipReason(): string | false {
  const why = sshdUnavailable();
  if (!why) return false;
  if (process.env.CI) return false;
  return `skipped: ${why}`;
}

function keygen(path: string): void {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'pxr-test', '-f', path]);
}

export function fingerprintOf(pubPath: string): string {
  const out = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', pubPath], {
    encoding: 'utf8',
  });
  const fp = out.split(' ')[1];
  if (!fp?.startsWith('SHA256:')) throw new Error(`unexpected ssh-keygen output: ${out}`);
  return fp;
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const addr = srv.address();
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  if (addr === null || typeof addr === 'string') throw new Error('no port');
  return addr.port;
}

export async function startSshd(): Promise<Sshd> {
  const why = sshdUnavailable();
  if (why) throw new Error(`cannot run the sshd tests: ${why}`);
  const dir = mkdtempSync(join(tmpdir(), 'pxr-sshd-'));
  keygen(join(dir, 'host'));
  keygen(join(dir, 'client'));
  keygen(join(dir, 'stranger'));
  keygen(join(dir, 'other-host'));
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'client.pub')));
  // sshd refuses to start without its privilege separation folder.
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    writeFileSync(
      join(dir, 'sshd_config'),
      [
        `Port ${port}`,
        'ListenAddress 127.0.0.1',
        `HostKey ${join(dir, 'host')}`,
        `PidFile ${join(dir, 'sshd.pid')}`,
        `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
        'PermitRootLogin prohibit-password',
        'PubkeyAuthentication yes',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'StrictModes no',
        'UsePAM no',
        `LogLevel ${process.env.PXR_SSHD_LOGLEVEL ?? 'VERBOSE'}`,
        '',
      ].join('\n'),
    );
    const child = spawn(SSHD, ['-D', '-e', '-f', join(dir, 'sshd_config')], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let log = '';
    child.stderr?.on('data', (b: Buffer) => (log += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    let gone = false;
    void exited.then(() => (gone = true));
    try {
      await waitFor(`sshd listening on port ${port}`, () => {
        if (gone) throw new Error(`sshd exited: ${log}`);
        return log.includes('Server listening on 127.0.0.1') || undefined;
      });
    } catch (err) {
      child.kill('SIGTERM');
      if (attempt < 3 && log.includes('Address already in use')) continue;
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
    return {
      port,
      dir,
      clientKey: readFileSync(join(dir, 'client'), 'utf8'),
      strangerKey: readFileSync(join(dir, 'stranger'), 'utf8'),
      hostFingerprint: fingerprintOf(join(dir, 'host.pub')),
      otherFingerprint: fingerprintOf(join(dir, 'other-host.pub')),
      log: () => log,
      dropConnections: () => dropConnections(child),
      stop: () => stop(child, exited, dir),
    };
  }
}

function dropConnections(child: ChildProcess): number {
  const pid = child.pid;
  if (pid === undefined) return 0;
  const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/);
  let n = 0;
  for (const k of kids.filter(Boolean)) {
    process.kill(Number(k), 'SIGKILL');
    n++;
  }
  return n;
}

async function stop(child: ChildProcess, exited: Promise<unknown>, dir: string): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  await exited;
  rmSync(dir, { recursive: true, force: true });
}
