import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ManualClock } from '../../src/core/clock.js';
import { PxrError } from '../../src/core/errors.js';
import { kindDefinitions } from '../../src/kinds/registry.js';
import { ReadCache, readManifestDir } from '../../src/source/reader.js';
import { ManifestValidator } from '../../src/source/validate.js';
import { validateDir } from '../../src/source/validate-dir.js';
import { formatIssue } from '../../src/source/format.js';
import { bridgeYaml, tempDir, write } from './helpers.js';

const SHA1 = 'a'.repeat(40);
const SHA2 = 'b'.repeat(40);
const clock = new ManualClock(1_000);
const validator = new ManifestValidator(kindDefinitions());
const read = (root: string) => readManifestDir(root, { validator, clock });
const temps: (() => void)[] = [];
after(() => temps.forEach((c) => c()));
function temp(): string {
  const t = tempDir();
  temps.push(t.cleanup);
  return t.dir;
}

describe('reading the manifests folder', () => {
  test('reads *.yaml, *.yml and *.json recursively and skips dot entries and other files', async () => {
    const root = temp();
    write(root, 'a.yaml', bridgeYaml('a', 'vmbr1'));
    write(root, 'sub/deeper/b.yml', bridgeYaml('b', 'vmbr2'));
    write(
      root,
      'c.json',
      JSON.stringify({
        apiVersion: 'pxr/v1alpha1',
        kind: 'Bridge',
        metadata: { name: 'c' },
        spec: { node: 'pve', iface: 'vmbr3' },
      }),
    );
    write(root, '.hidden.yaml', bridgeYaml('hidden'));
    write(root, '.git/x.yaml', bridgeYaml('git'));
    write(root, '..data/y.yaml', bridgeYaml('gitsync-internal'));
    write(root, 'README.md', '# not a manifest');
    const { snapshot } = await read(root);
    assert.deepEqual(
      snapshot.docs.map((d) => `${d.location.file}:${d.name}`),
      ['a.yaml:a', 'c.json:c', 'sub/deeper/b.yml:b'],
    );
    assert.equal(snapshot.fileCount, 3);
    assert.deepEqual(snapshot.invalidFiles, []);
    assert.equal(snapshot.readAt, 1_000);
    assert.equal(snapshot.revision, undefined);
  });

  test('a partly invalid file delivers its valid documents and is listed in invalidFiles', async () => {
    const root = temp();
    write(root, 'net.yaml', `${bridgeYaml('good')}---\n${bridgeYaml('bad', 'bad-name')}`);
    write(root, 'broken.yaml', 'kind: [\n');
    const { snapshot } = await read(root);
    assert.deepEqual(
      snapshot.docs.map((d) => d.name),
      ['good'],
    );
    assert.deepEqual(snapshot.invalidFiles, ['broken.yaml', 'net.yaml']);
    assert.equal(snapshot.fileCount, 2);
  });

  test('the git revision of a plain clone is read from .git (loose and packed refs)', async () => {
    const root = temp();
    write(root, 'a.yaml', bridgeYaml('a'));
    write(root, '.git/HEAD', 'ref: refs/heads/main\n');
    write(root, '.git/refs/heads/main', `${SHA1}\n`);
    assert.equal((await read(root)).snapshot.revision, SHA1);
    assert.equal((await read(root)).snapshot.docs[0]?.revision, SHA1);

    const packed = temp();
    write(packed, 'a.yaml', bridgeYaml('a'));
    write(packed, '.git/HEAD', 'ref: refs/heads/prod\n');
    write(packed, '.git/packed-refs', `# pack-refs with: peeled\n${SHA2} refs/heads/prod\n`);
    assert.equal((await read(packed)).snapshot.revision, SHA2);
  });

  test('a git-sync layout reports paths through the link and the worktree SHA as revision', async () => {
    const top = temp();
    write(top, `.worktrees/${SHA1}/net.yaml`, bridgeYaml('a'));
    // git-sync worktrees carry a `.git` file pointing into the main repository.
    write(top, `.worktrees/${SHA1}/.git`, `gitdir: ${join(top, '.git/worktrees', SHA1)}\n`);
    symlinkSync(`.worktrees/${SHA1}`, join(top, 'current'));
    const inside = await read(top);
    assert.deepEqual(
      inside.snapshot.docs.map((d) => [d.location.file, d.revision]),
      [['current/net.yaml', SHA1]],
    );
    assert.equal(inside.snapshot.revision, SHA1, 'one revision across all documents');
    assert.ok(inside.watchRoots.includes(join(top, '.worktrees', SHA1)));

    const viaLink = await read(join(top, 'current'));
    assert.deepEqual(
      viaLink.snapshot.docs.map((d) => d.location.file),
      ['net.yaml'],
    );
    assert.equal(viaLink.snapshot.revision, SHA1);
    assert.equal(viaLink.links.get(join(top, 'current')), join(top, '.worktrees', SHA1));
  });

  test('a detached HEAD of a worktree .git file is followed', async () => {
    const top = temp();
    write(top, 'repo/.git/worktrees/w1/HEAD', `${SHA2}\n`);
    write(top, 'w1/a.yaml', bridgeYaml('a'));
    write(top, 'w1/.git', `gitdir: ${join(top, 'repo/.git/worktrees/w1')}\n`);
    assert.equal((await read(join(top, 'w1'))).snapshot.revision, SHA2);
  });

  test('a broken symlink is an issue and its name is kept in invalidFiles', async () => {
    const root = temp();
    write(root, 'a.yaml', bridgeYaml('a'));
    symlinkSync('nowhere.yaml', join(root, 'gone.yaml'));
    const { snapshot } = await read(root);
    assert.deepEqual(snapshot.invalidFiles, ['gone.yaml']);
    assert.match(snapshot.issues[0]?.message ?? '', /broken symlink: ENOENT/);
    assert.equal(snapshot.docs.length, 1);
  });

  test(
    'an unreadable file is listed in invalidFiles',
    { skip: process.getuid?.() === 0 ? 'root reads anything' : false },
    async () => {
      const root = temp();
      write(root, 'secret.yaml', bridgeYaml('a'));
      chmodSync(join(root, 'secret.yaml'), 0o000);
      const { snapshot } = await read(root);
      assert.deepEqual(snapshot.invalidFiles, ['secret.yaml']);
    },
  );

  test('a missing folder is an error, never an empty snapshot', async () => {
    const root = temp();
    await assert.rejects(read(join(root, 'nope')), (err: unknown) => {
      assert.ok(err instanceof PxrError);
      assert.equal(err.code, 'SOURCE_UNREADABLE');
      return true;
    });
    writeFileSync(join(root, 'file'), 'x');
    await assert.rejects(read(join(root, 'file')), /cannot read the manifests folder/);
  });

  test('a symlink loop is read once, not forever', async () => {
    const root = temp();
    mkdirSync(join(root, 'd'));
    write(root, 'd/a.yaml', bridgeYaml('a'));
    symlinkSync('..', join(root, 'd', 'up'));
    const { snapshot } = await read(root);
    assert.deepEqual(
      snapshot.docs.map((d) => d.location.file),
      ['d/a.yaml'],
    );
  });
});

describe('the per-file parse cache', () => {
  test('unchanged files are reused, a changed file is parsed again, a deleted one forgotten', async () => {
    const root = temp();
    write(root, 'a.yaml', bridgeYaml('a'));
    write(root, 'b.yaml', bridgeYaml('b', 'vmbr2'));
    const cache = new ReadCache();
    const first = (await readManifestDir(root, { validator, clock, cache })).snapshot;
    write(root, 'b.yaml', bridgeYaml('b', 'vmbr3'));
    const second = (await readManifestDir(root, { validator, clock, cache })).snapshot;
    assert.equal(second.docs[0], first.docs[0], 'a.yaml came from the cache');
    assert.equal(second.docs[1]?.spec['iface'], 'vmbr3', 'b.yaml was parsed again');
    rmSync(join(root, 'a.yaml'));
    const third = (await readManifestDir(root, { validator, clock, cache })).snapshot;
    assert.deepEqual(
      third.docs.map((d) => d.name),
      ['b'],
    );
    assert.equal(cache.size, 1);
  });

  test('a file rewritten with the same size in the same second is still seen as changed', async () => {
    const root = temp();
    write(root, 'a.yaml', bridgeYaml('a', 'vmbr1'));
    const cache = new ReadCache();
    await readManifestDir(root, { validator, clock, cache });
    write(root, 'a.yaml', bridgeYaml('a', 'vmbr2'));
    const again = (await readManifestDir(root, { validator, clock, cache })).snapshot;
    assert.equal(again.docs[0]?.spec['iface'], 'vmbr2');
  });
});

describe('validateDir (pxr validate)', () => {
  test('counts files and valid documents and returns located issues', async () => {
    const root = temp();
    write(root, 'net.yaml', `${bridgeYaml('a')}---\n${bridgeYaml('lan', 'proximity-lan')}`);
    write(root, 'more/x.yml', bridgeYaml('b', 'vmbr2'));
    const r = await validateDir(root, kindDefinitions());
    assert.equal(r.files, 2);
    assert.equal(r.docs, 2);
    assert.deepEqual(
      r.issues.map((i) => formatIssue(i, 'manifests')),
      [
        "manifests/net.yaml:15:10: Bridge/lan spec.iface: invalid interface name 'proximity-lan' (Proxmox allows ^[a-z][a-z0-9_]{1,20}([:.]\\d+)?$); try 'proximity_lan'",
      ],
    );
  });
});
