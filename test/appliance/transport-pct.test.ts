/**
 * The pct transport through a real sshd to a stand-in `pct` on the "node" (pct-stand-in.ts): `pct exec` runs the command
 * chrooted into a temp container root (the host's /usr read-only and /dev bind-mounted in a private
 * mount namespace, so the container has real binaries but its own /etc and /tmp), `pct push` copies a node
 * file into that root. Every call to the stand-in is logged, so the tests see how pxr drove it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PxrError } from '../../src/core/errors.js';
import { createPctTransport } from '../../src/appliance/transport/pct.js';
import { createSshTransport } from '../../src/appliance/transport/ssh.js';
import type { Transport } from '../../src/appliance/transport/types.js';
import { waitFor } from '../helpers/wait.js';
import { pctContainer, unshareUnavailable, VMID } from './pct-stand-in.js';
import {
  isAlive,
  pidsIn,
  sshdUnavailable,
  startSshd,
  TRICKY,
  type Sshd,
} from './transport-sshd.js';

function skip(): string | false {
  const why = sshdUnavailable() ?? unshareUnavailable();
  return why && !process.env.CI ? `skipped: ${why}` : false;
}

describe('pct transport through a real sshd and a stand-in pct', { skip: skip() }, () => {
  let sshd: Sshd;
  let t: Transport;
  let root: string;
  let stage: string;
  let pctLog: string;

  /** Every logged pct call as its argv. */
  const calls = (): string[][] =>
    readFileSync(pctLog, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split('\x1f').slice(0, -1));

  before(async () => {
    const why = unshareUnavailable();
    if (why) throw new Error(why);
    sshd = await startSshd();
    ({ root, stage, pctLog, transport: t } = pctContainer(sshd));
    writeFileSync(join(root, 'etc', 'hostname'), 'appliance-in-ct\n');
  });
  after(async () => {
    await t?.close();
    await sshd?.stop();
  });

  test('exec runs inside the container, through `pct exec <vmid> --`', async () => {
    const r = await t.exec(['cat', '/etc/hostname']);
    assert.deepEqual(r, { code: 0, stdout: 'appliance-in-ct\n', stderr: '' });
    const last = calls().at(-1) ?? [];
    assert.deepEqual(last.slice(0, 3), ['exec', String(VMID), '--']);
    assert.deepEqual(last.slice(-2), ['cat', '/etc/hostname']);
  });

  test('tricky arguments reach the command in the container exactly', async () => {
    const r = await t.exec(['printf', '%s\\0', ...TRICKY]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.split('\0').slice(0, -1), TRICKY);
  });

  test('stdin and exit codes pass through pct exec', async () => {
    assert.equal((await t.exec(['cat'], { stdin: 'piped in\n' })).stdout, 'piped in\n');
    const r = await t.exec(['sh', '-c', 'echo oops >&2; exit 3']);
    assert.deepEqual(r, { code: 3, stdout: '', stderr: 'oops\n' });
  });

  test('writeFile stages on the node, pushes to a temp name beside the target, then renames', async () => {
    const before = calls().length;
    const body = "interface=eth1\n# it's $HOME `x`\n".repeat(1000);
    await t.writeFile('/etc/dnsmasq.d/pxr.conf', body, { mode: 0o640 });
    const target = join(root, 'etc', 'dnsmasq.d', 'pxr.conf');
    assert.equal(readFileSync(target, 'utf8'), body);
    assert.equal(statSync(target).mode & 0o777, 0o640);

    const mine = calls().slice(before);
    const push = mine.find((c) => c[0] === 'push');
    assert.ok(push, 'pct push was used');
    const [, vmid, src, dst, ...rest] = push;
    assert.equal(vmid, String(VMID));
    assert.ok(src?.startsWith(`${stage}/pxr-push.`), `staged on the node: ${src}`);
    assert.match(dst ?? '', /^\/etc\/dnsmasq\.d\/\.pxr-tmp\.[0-9a-f]+$/);
    assert.deepEqual(rest, ['--perms', '0640']);
    const mv = mine.find((c) => c[0] === 'exec' && c.includes('mv'));
    assert.ok(mv, 'renamed inside the container');
    assert.deepEqual(mv.slice(-4), ['-f', '--', dst, '/etc/dnsmasq.d/pxr.conf']);

    assert.deepEqual(readdirSync(join(root, 'etc', 'dnsmasq.d')), ['pxr.conf'], 'no temp left');
    assert.deepEqual(readdirSync(stage), [], 'the staged node file is removed');
  });

  test('readFile reads through the container; a missing file is undefined', async () => {
    writeFileSync(join(root, 'etc', 'hosts.pxr'), '10.20.0.5 app.prox.local\n');
    assert.equal(await t.readFile('/etc/hosts.pxr'), '10.20.0.5 app.prox.local\n');
    assert.equal(await t.readFile('/etc/nothing-here'), undefined);
    // The host's own files are not visible: the read really happens in the container root.
    assert.equal(await t.readFile(join(sshd.dir, 'sshd_config')), undefined);
  });

  test('removeFile and listDir work inside the container', async () => {
    mkdirSync(join(root, 'etc', 'hosts.d'));
    for (const n of ['a.host', '.b', 'c d']) writeFileSync(join(root, 'etc', 'hosts.d', n), '');
    assert.deepEqual(await t.listDir('/etc/hosts.d'), ['.b', 'a.host', 'c d']);
    await t.removeFile('/etc/hosts.d/c d');
    await t.removeFile('/etc/hosts.d/never existed');
    assert.deepEqual(await t.listDir('/etc/hosts.d'), ['.b', 'a.host']);
    assert.deepEqual(await t.listDir('/etc/no-such-dir'), []);
  });

  test('a command past its timeout inside the container is rejected and killed', async () => {
    const script = 'echo $$ > /tmp/sleeper.pid; sleep 60 & echo $! >> /tmp/sleeper.pid; wait';
    const outcome = t.exec(['sh', '-c', script], { timeoutMs: 2_500 }).then(
      () => 'resolved',
      (err: unknown) => err,
    );
    const pidFile = join(root, 'tmp', 'sleeper.pid');
    const pids = await waitFor('the shell and its sleep in the container', () =>
      pidsIn(pidFile, 2),
    );
    const err = await outcome;
    assert.ok(err instanceof PxrError && err.code === 'SSH_EXEC_TIMEOUT', String(err));
    await waitFor('the command in the container to be gone', () =>
      pids.every((pid) => !isAlive(pid)),
    );
  });

  test('an unknown container: exec reports pct’s failure, file reads reject', async () => {
    const node = createSshTransport({
      host: '127.0.0.1',
      port: sshd.port,
      username: 'root',
      privateKey: sshd.clientKey,
      hostKeyFingerprint: sshd.hostFingerprint,
    });
    const other = createPctTransport({
      ssh: node,
      vmid: 999,
      pctPath: join(sshd.dir, 'bin', 'pct'),
    });
    try {
      assert.equal(other.description, `pct 999 via ssh root@127.0.0.1:${sshd.port}`);
      const r = await other.exec(['true']);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /999\.conf' does not exist/);
      await assert.rejects(
        other.readFile('/etc/hostname'),
        (err: unknown) => err instanceof PxrError && err.code === 'TRANSPORT_READ_FAILED',
      );
      await assert.rejects(
        other.writeFile('/etc/x', 'x'),
        (err: unknown) => err instanceof PxrError && err.code === 'PCT_WRITE_FAILED',
      );
      await other.close();
      // A shared node transport stays open when the pct transport is closed.
      assert.equal((await node.exec(['true'])).code, 0);
    } finally {
      await node.close();
    }
  });
});
