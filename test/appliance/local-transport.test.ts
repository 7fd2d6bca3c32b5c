import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalTransport } from '../../src/appliance/transport/local.js';
import { PxrError } from '../../src/core/errors.js';

describe('LocalTransport', () => {
  let root = '';
  let t: LocalTransport;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'pxr-local-'));
    t = new LocalTransport({ root });
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  test('files are written atomically under the root, with their mode, and no temp file is left', async () => {
    await t.writeFile('/etc/pxr/a.conf', 'one\n', { mode: 0o600 });
    await t.writeFile('/etc/pxr/a.conf', 'two\n', { mode: 0o600 });
    assert.equal(await t.readFile('/etc/pxr/a.conf'), 'two\n');
    assert.deepEqual(await readdir(join(root, 'etc/pxr')), ['a.conf']);
    assert.equal((await stat(join(root, 'etc/pxr/a.conf'))).mode & 0o777, 0o600);
    assert.deepEqual(await t.listDir('/etc/pxr'), ['a.conf']);
  });

  test('absent files read as undefined, absent folders list as [], removing an absent file is fine', async () => {
    assert.equal(await t.readFile('/nope'), undefined);
    assert.deepEqual(await t.listDir('/nope'), []);
    await t.removeFile('/nope');
  });

  test('a path that climbs out of the root is refused', async () => {
    for (const op of [
      () => t.readFile('/../../etc/passwd'),
      () => t.writeFile('/etc/../../x', 'x'),
      () => t.listDir('/..'),
    ])
      await assert.rejects(op(), (err) => {
        assert.ok(err instanceof PxrError);
        assert.equal(err.code, 'TRANSPORT_PATH_ESCAPES_ROOT');
        return true;
      });
    assert.equal(t.localPath('/etc/pxr/../hosts'), join(root, 'etc/hosts'));
  });

  test('commands run without a shell: stdin in, exit code and output back', async () => {
    const r = await t.exec(['sh', '-c', 'cat; echo "$1" >&2; exit 3', 'sh', '$(rm -rf /); `x`'], {
      stdin: 'in',
    });
    assert.deepEqual(r, { code: 3, stdout: 'in', stderr: '$(rm -rf /); `x`\n' });
  });

  test('a missing program is exit 127 (an answer), a command past its timeout rejects', async () => {
    assert.equal((await t.exec(['pxr-no-such-program'])).code, 127);
    await assert.rejects(t.exec(['sleep', '5'], { timeoutMs: 100 }), (err) => {
      assert.ok(err instanceof PxrError);
      assert.equal(err.code, 'TRANSPORT_TIMEOUT');
      return true;
    });
  });

  test('execPrefix wraps every command', async () => {
    const wrapped = new LocalTransport({ execPrefix: ['env', 'PXR_T=1'] });
    assert.equal((await wrapped.exec(['sh', '-c', 'echo $PXR_T'])).stdout, '1\n');
    assert.match(wrapped.description, /via env PXR_T=1/);
  });
});
