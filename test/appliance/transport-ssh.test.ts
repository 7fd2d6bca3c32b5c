import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { pino } from 'pino';
import ssh2 from 'ssh2';
import { PxrError, TerminalError } from '../../src/core/errors.js';
import { createSshTransport, type SshTransportOptions } from '../../src/appliance/transport/ssh.js';
import type { Transport } from '../../src/appliance/transport/types.js';
import { waitFor } from '../helpers/wait.js';
import { isAlive, pidsIn, skipReason, startSshd, TRICKY, type Sshd } from './transport-sshd.js';

function splitNul(s: string): string[] {
  const parts = s.split('\0');
  assert.equal(parts.pop(), '', 'output ends with a NUL');
  return parts;
}

describe('ssh transport against a real sshd', { skip: skipReason() }, () => {
  let sshd: Sshd;
  let t: Transport;
  let opts: SshTransportOptions;
  const logLines: string[] = [];

  before(async () => {
    sshd = await startSshd();
    opts = {
      host: '127.0.0.1',
      port: sshd.port,
      username: 'root',
      privateKey: sshd.clientKey,
      hostKeyFingerprint: sshd.hostFingerprint,
      connectTimeoutMs: 10_000,
    };
    const logger = pino({ level: 'debug' }, { write: (line: string) => logLines.push(line) });
    t = createSshTransport({ ...opts, logger });
  });
  after(async () => {
    await t?.close();
    await sshd?.stop();
  });

  test('tricky arguments (quotes, spaces, $, newlines, empty strings) arrive exactly', async () => {
    const r = await t.exec(['printf', '%s\\0', ...TRICKY]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(splitNul(r.stdout), TRICKY);
  });

  test('stdin reaches the command, including a large binary-safe text body', async () => {
    const small = await t.exec(['cat'], { stdin: 'hello\nworld' });
    assert.equal(small.stdout, 'hello\nworld');
    const big = 'x'.repeat(1 << 20) + '\nüñï\n';
    const r = await t.exec(['sh', '-c', 'wc -c; true'], { stdin: big });
    assert.equal(Number(r.stdout.trim()), Buffer.byteLength(big));
  });

  test('exit codes and stderr are reported; a signal death reads as 128+n', async () => {
    const r = await t.exec(['sh', '-c', 'echo out; echo err >&2; exit 7']);
    assert.deepEqual(r, { code: 7, stdout: 'out\n', stderr: 'err\n' });
    const killed = await t.exec(['sh', '-c', 'kill -TERM $$']);
    assert.equal(killed.code, 143);
    const missing = await t.exec(['/nonexistent/command']);
    assert.equal(missing.code, 127);
  });

  test('a command past its timeout is rejected and killed with its children', async () => {
    const pidFile = join(sshd.dir, 'timeout.pid');
    const started = Date.now();
    const outcome = t
      .exec(['sh', '-c', 'echo $$ > "$1"; sleep 60 & echo $! >> "$1"; wait', 'sh', pidFile], {
        timeoutMs: 2_500,
      })
      .then(
        () => 'resolved',
        (err: unknown) => err,
      );
    const pids = await waitFor('the shell and its background sleep', () => pidsIn(pidFile, 2));
    const err = await outcome;
    assert.ok(err instanceof PxrError && err.code === 'SSH_EXEC_TIMEOUT', String(err));
    assert.ok(Date.now() - started < 15_000, 'rejected long before the command would have ended');
    await waitFor('the timed-out shell and its child to be gone', () =>
      pids.every((pid) => !isAlive(pid)),
    );
    assert.equal((await t.exec(['true'])).code, 0, 'the transport still works afterwards');
  });

  test('aborting a running command rejects it at once; the command ends by its remote deadline', async () => {
    const pidFile = join(sshd.dir, 'abort.pid');
    const ac = new AbortController();
    const p = t.exec(['sh', '-c', 'echo $$ > "$1"; exec sleep 30', 'sh', pidFile], {
      signal: ac.signal,
      timeoutMs: 3_000,
    });
    const pid = await waitFor('the command to start', () =>
      existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) || undefined : undefined,
    );
    const started = Date.now();
    ac.abort(new Error('shutting down'));
    await assert.rejects(
      p,
      (err: unknown) => err instanceof PxrError && err.code === 'SSH_EXEC_ABORTED',
    );
    assert.ok(Date.now() - started < 1_000, 'rejected at once, not at the deadline');
    // sshd ignores signal requests in root sessions: the remote `timeout` is what ends it.
    await waitFor('the aborted command to be gone', () => !isAlive(pid));

    const already = new AbortController();
    already.abort();
    await assert.rejects(
      t.exec(['true'], { signal: already.signal }),
      (err: unknown) => err instanceof PxrError && err.code === 'SSH_EXEC_ABORTED',
    );
  });

  /** sshd's SSH_CONNECTION names the client's TCP port: one value per connection. */
  const connectionOf = async (): Promise<string> => {
    const r = await t.exec(['sh', '-c', 'echo $SSH_CONNECTION']);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.trim();
  };

  test('commands share one connection, also beyond sshd MaxSessions at once', async () => {
    const seen = await Promise.all(Array.from({ length: 25 }, connectionOf));
    assert.equal(
      new Set(seen).size,
      1,
      `one connection for all: ${[...new Set(seen)].join(' / ')}`,
    );
  });

  test('after the connection drops the very next command reconnects and succeeds', async () => {
    let before = await connectionOf();
    for (let i = 0; i < 5; i++) {
      assert.ok(sshd.dropConnections() >= 1);
      const now = await connectionOf();
      assert.notEqual(now, before, `round ${i}: a new connection`);
      before = now;
    }
  });

  test('writeFile is atomic: a concurrent reader sees the old or the new file, never a part', async () => {
    const dir = join(sshd.dir, 'atomic', 'nested');
    const path = join(dir, 'big.conf');
    const oldBody = 'old line\n'.repeat(200_000);
    const newBody = 'new line\n'.repeat(250_000);
    await t.writeFile(path, oldBody);
    assert.equal(readFileSync(path, 'utf8'), oldBody, 'parent folders created, content exact');

    let done = false;
    const seen = { old: 0, new: 0 };
    const reader = (async (): Promise<void> => {
      while (!done) {
        const body = await readFile(path, 'utf8');
        if (body === oldBody) seen.old++;
        else if (body === newBody) seen.new++;
        else assert.fail(`partial file seen (${body.length} bytes)`);
      }
    })();
    await t.writeFile(path, newBody, { mode: 0o600 });
    done = true;
    await reader;
    assert.ok(seen.old > 0, 'the reader observed the file while the write was under way');
    assert.equal(readFileSync(path, 'utf8'), newBody);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(dir), ['big.conf'], 'no temp file left behind');
  });

  test('readFile returns the content, undefined for a missing file, and fails on a folder', async () => {
    const path = join(sshd.dir, 'read me.txt');
    writeFileSync(path, "it's\n$HOME ünï\n");
    assert.equal(await t.readFile(path), "it's\n$HOME ünï\n");
    assert.equal(await t.readFile(join(sshd.dir, 'no such file')), undefined);
    assert.equal(await t.readFile(join(sshd.dir, 'no-dir', 'x')), undefined);
    await assert.rejects(
      t.readFile(sshd.dir),
      (err: unknown) => err instanceof PxrError && err.code === 'TRANSPORT_READ_FAILED',
    );
    await assert.rejects(
      t.readFile('relative/path'),
      (err: unknown) => err instanceof PxrError && err.code === 'TRANSPORT_BAD_PATH',
    );
  });

  test('removeFile removes a file and is quiet when it is absent', async () => {
    const path = join(sshd.dir, 'gone soon');
    writeFileSync(path, 'x');
    await t.removeFile(path);
    assert.equal(await t.readFile(path), undefined);
    await t.removeFile(path);
  });

  test('listDir lists every entry (hidden, spaces, newlines, leading dash); [] when absent', async () => {
    const dir = join(sshd.dir, 'list');
    mkdirSync(dir);
    const names = ['.hidden', '..dots', '-dash', 'a b', 'new\nline', 'plain', "it's"];
    for (const n of names) writeFileSync(join(dir, n), '');
    mkdirSync(join(dir, 'sub'));
    const got = await t.listDir(dir);
    assert.deepEqual(
      got,
      [...names, 'sub'].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
    );
    assert.deepEqual(await t.listDir(join(sshd.dir, 'missing')), []);
  });

  test('neither the logs nor the transport object (stringified, inspected) expose the private key', async () => {
    await t.exec(['true']);
    const body = sshd.clientKey.split('\n')[2] ?? '';
    assert.ok(body.length > 20);
    assert.ok(!JSON.stringify(t).includes(body), 'JSON');
    assert.ok(!inspect(t, { depth: 20, showHidden: true }).includes(body), 'util.inspect');
    assert.ok(!inspect(t, { depth: 20 }).includes('PRIVATE KEY'), 'util.inspect');
    const logs = logLines.join('');
    assert.match(logs, /ssh connected/);
    assert.ok(!logs.includes(body) && !logs.includes('PRIVATE KEY'), 'the logs');
  });

  test('a host key other than the pinned one refuses the connection (terminal, names both)', async () => {
    const wrong = createSshTransport({ ...opts, hostKeyFingerprint: sshd.otherFingerprint });
    try {
      await assert.rejects(wrong.exec(['true']), (err: unknown) => {
        assert.ok(err instanceof TerminalError, String(err));
        assert.equal(err.reason, 'SshHostKeyMismatch');
        assert.ok(err.message.includes(sshd.hostFingerprint), err.message);
        assert.ok(err.message.includes(sshd.otherFingerprint), err.message);
        return true;
      });
    } finally {
      await wrong.close();
    }
  });

  test('a client key the server does not know is an auth error that carries no secret', async () => {
    const stranger = createSshTransport({ ...opts, privateKey: sshd.strangerKey });
    try {
      await assert.rejects(stranger.exec(['true']), (err: unknown) => {
        assert.ok(err instanceof PxrError, String(err));
        assert.equal(err.code, 'SSH_AUTH_FAILED');
        const body = sshd.strangerKey.split('\n')[2] ?? '';
        assert.ok(body.length > 20);
        const everything = `${err.message} ${JSON.stringify(err.context)} ${String(err.cause)} ${err.stack ?? ''}`;
        assert.ok(!everything.includes(body), 'no key material in the error');
        assert.ok(!everything.includes('PRIVATE KEY'), 'no key material in the error');
        return true;
      });
    } finally {
      await stranger.close();
    }
  });
});

describe('ssh transport without a usable server', () => {
  // Any well-formed key: these tests never get as far as authentication.
  const generated = ssh2.utils.generateKeyPairSync('ed25519').private;
  const key = (): string => generated;
  const fp = 'SHA256:' + 'A'.repeat(43);
  let silent: Server;
  const sockets: Socket[] = [];
  let silentPort = 0;

  before(async () => {
    // Accepts TCP but never speaks ssh: the handshake can only time out.
    silent = createServer((sock) => sockets.push(sock));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const a = silent.address();
    silentPort = a !== null && typeof a === 'object' ? a.port : 0;
  });
  after(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  test('a malformed fingerprint or key is refused at creation, terminally', () => {
    const base = { host: '127.0.0.1', username: 'root', privateKey: key(), hostKeyFingerprint: fp };
    assert.throws(
      () => createSshTransport({ ...base, hostKeyFingerprint: 'MD5:aa:bb' }),
      (err: unknown) => err instanceof TerminalError && err.reason === 'SshFingerprintInvalid',
    );
    assert.throws(
      () => createSshTransport({ ...base, privateKey: 'not a key' }),
      (err: unknown) => err instanceof TerminalError && err.reason === 'SshKeyInvalid',
    );
  });

  test('SshKeyInvalid names the key file and the problem, never bytes of the key', () => {
    // ssh2 answers this one with "Unsupported OpenSSH key magic: <the first bytes of the key>".
    const secret = 'Zq7SECRETMAGICxx';
    const body = Buffer.from(`${secret}\0${'A'.repeat(40)}`).toString('base64');
    const privateKey = `-----BEGIN OPENSSH PRIVATE KEY-----\n${body}\n-----END OPENSSH PRIVATE KEY-----\n`;
    assert.throws(
      () =>
        createSshTransport({
          host: '127.0.0.1',
          username: 'root',
          privateKey,
          keyFile: '/etc/pxr/appliance.key',
          hostKeyFingerprint: fp,
        }),
      (err: unknown) => {
        assert.ok(err instanceof TerminalError && err.reason === 'SshKeyInvalid', String(err));
        const text = `${err.message} ${JSON.stringify(err.context ?? {})}`;
        assert.match(err.message, /\/etc\/pxr\/appliance\.key/);
        assert.match(err.message, /not an SSH private key/);
        for (const leak of [secret.slice(0, 8), 'SECRET', body.slice(0, 12), 'magic'])
          assert.ok(!text.includes(leak), `message quotes key bytes (${leak}): ${text}`);
        return true;
      },
    );
  });

  test('a server that never answers the handshake fails with SSH_CONNECT_TIMEOUT', async () => {
    const t = createSshTransport({
      host: '127.0.0.1',
      port: silentPort,
      username: 'root',
      privateKey: key(),
      hostKeyFingerprint: fp,
      connectTimeoutMs: 300,
    });
    try {
      await assert.rejects(
        t.exec(['true']),
        (err: unknown) => err instanceof PxrError && err.code === 'SSH_CONNECT_TIMEOUT',
      );
    } finally {
      await t.close();
    }
  });

  test('a closed port fails with SSH_CONNECT_FAILED', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const a = probe.address();
    const port = a !== null && typeof a === 'object' ? a.port : 0;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const t = createSshTransport({
      host: '127.0.0.1',
      port,
      username: 'root',
      privateKey: key(),
      hostKeyFingerprint: fp,
    });
    try {
      await assert.rejects(
        t.exec(['true']),
        (err: unknown) => err instanceof PxrError && err.code === 'SSH_CONNECT_FAILED',
      );
    } finally {
      await t.close();
    }
  });
});
