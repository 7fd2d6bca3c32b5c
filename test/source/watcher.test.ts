import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ManualClock, systemClock } from '../../src/core/clock.js';
import { watchManifests } from '../../src/source/watcher.js';
import type { ManifestWatcher } from '../../src/source/watcher.js';
import type { SourceSnapshot } from '../../src/source/types.js';
import { bridgeYaml, tempDir, waitFor, write } from './helpers.js';
import { kindDefinitions } from '../../src/kinds/registry.js';

const SHA1 = '1'.repeat(40);
const SHA2 = '2'.repeat(40);
const cleanups: (() => void | Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** A started watcher on `root` with a short debounce, recording every snapshot. */
async function started(root: string, opts: { debounceMs?: number; retryMs?: number } = {}) {
  const snapshots: SourceSnapshot[] = [];
  const errors: Error[] = [];
  const w: ManifestWatcher = watchManifests({
    kinds: kindDefinitions(),
    root,
    clock: systemClock,
    debounceMs: opts.debounceMs ?? 50,
    ...(opts.retryMs !== undefined ? { retryMs: opts.retryMs } : {}),
    onSnapshot: (s) => {
      snapshots.push(s);
    },
    onError: (e) => errors.push(e),
  });
  cleanups.push(() => w.close());
  await w.start();
  assert.equal(snapshots.length, 1, 'start() resolved after delivering the start-up snapshot');
  // start() re-reads once more to cover changes made while the watchers got ready: wait for it, so
  // that what a test changes next is seen by the watchers, not by that re-read.
  await waitFor('the start-up re-read', () => snapshots.length >= 2);
  const last = (): SourceSnapshot => snapshots[snapshots.length - 1]!;
  const names = (): string[] => last().docs.map((d) => `${d.name}=${String(d.spec['iface'])}`);
  return { w, snapshots, errors, last, names };
}

function temp(): string {
  const t = tempDir('pxr-watch-');
  cleanups.push(t.cleanup);
  return t.dir;
}

describe('watching the manifests folder with chokidar', () => {
  test('start() resolves only after the full start-up snapshot was delivered', async () => {
    const root = temp();
    write(root, 'a.yaml', bridgeYaml('a'));
    write(root, 'sub/b.yaml', bridgeYaml('b', 'vmbr2'));
    const { snapshots } = await started(root);
    assert.deepEqual(
      snapshots[0]?.docs.map((d) => d.name),
      ['a', 'b'],
    );
  });

  test('created, modified and deleted files each lead to a new full snapshot', async () => {
    const root = temp();
    write(root, 'a.yaml', bridgeYaml('a'));
    const { names, errors } = await started(root);
    write(root, 'new/c.yaml', bridgeYaml('c', 'vmbr3'));
    await waitFor('the created file', () => names().includes('c=vmbr3'));
    write(root, 'a.yaml', bridgeYaml('a', 'vmbr9'));
    await waitFor('the modified file', () => names().includes('a=vmbr9'));
    rmSync(join(root, 'new/c.yaml'));
    await waitFor('the deleted file', () => names().join() === 'a=vmbr9');
    assert.deepEqual(errors, []);
  });

  test('a burst of writes is debounced into few batches that end with the whole state', async () => {
    const root = temp();
    const { snapshots, last } = await started(root, { debounceMs: 300 });
    const before = snapshots.length;
    for (let i = 0; i < 40; i++) write(root, `f${i}.yaml`, bridgeYaml(`b${i}`, `vmbr${i}`));
    await waitFor('all 40 bridges', () => last().docs.length === 40);
    const batches = snapshots.length - before;
    assert.ok(batches <= 3, `40 writes gave ${batches} snapshots`);
  });

  test('an unparsable file keeps its name in invalidFiles while other files still update', async () => {
    const root = temp();
    write(root, 'a.yaml', bridgeYaml('a'));
    write(root, 'b.yaml', bridgeYaml('b', 'vmbr2'));
    const { last, names } = await started(root);
    write(root, 'b.yaml', 'apiVersion: pxr/v1alpha1\nkind: [Bridge\n');
    await waitFor('b.yaml to be invalid', () => last().invalidFiles.includes('b.yaml'));
    assert.deepEqual(names(), ['a=vmbr1']);
    assert.equal(last().fileCount, 2);
    assert.match(last().issues[0]?.message ?? '', /YAML syntax error/);
  });

  test('dot entries (.git) do not trigger reads', async () => {
    const root = temp();
    write(root, 'a.yaml', bridgeYaml('a'));
    const { snapshots } = await started(root);
    const n = snapshots.length;
    write(root, '.git/objects/x.yaml', 'garbage');
    write(root, 'z.yaml', bridgeYaml('z', 'vmbr5'));
    await waitFor('z', () => snapshots[snapshots.length - 1]!.docs.length === 2);
    assert.equal(snapshots.length, n + 1, 'only the manifest write caused a read');
  });
});

describe('git-sync: the checkout link is swapped atomically', () => {
  function worktrees(top: string): void {
    write(top, `.worktrees/${SHA1}/net.yaml`, bridgeYaml('lan', 'vmbr1'));
    write(top, `.worktrees/${SHA2}/net.yaml`, bridgeYaml('lan', 'vmbr2'));
    symlinkSync(`.worktrees/${SHA1}`, join(top, 'current'));
  }
  function swap(top: string, sha: string): void {
    // What git-sync does: a new link under a temporary name, renamed over the old one.
    symlinkSync(`.worktrees/${sha}`, join(top, 'current.tmp'));
    renameSync(join(top, 'current.tmp'), join(top, 'current'));
  }

  test('when the folder contains the link, a swap yields a snapshot of the new revision', async () => {
    const top = temp();
    worktrees(top);
    const { last, names, snapshots } = await started(top);
    assert.equal(last().revision, SHA1);
    assert.deepEqual(names(), ['lan=vmbr1']);
    swap(top, SHA2);
    await waitFor('the new revision', () => last().revision === SHA2);
    assert.deepEqual(names(), ['lan=vmbr2']);
    assert.equal(last().docs[0]?.revision, SHA2);
    assert.equal(last().docs[0]?.location.file, 'current/net.yaml');
    // The watchers move to the new worktree and read once more to cover the move: wait for that,
    // so the next write is seen by the new watchers and not by that re-read.
    const n = snapshots.length;
    await waitFor('the re-read after re-watching', () => snapshots.length > n);
    write(top, `.worktrees/${SHA2}/more.yaml`, bridgeYaml('more', 'vmbr7'));
    await waitFor('a file added to the new worktree', () => names().includes('more=vmbr7'));
  });

  test('when the folder is the link itself, a swap yields a snapshot of the new revision', async () => {
    const top = temp();
    worktrees(top);
    const { last, names, snapshots } = await started(join(top, 'current'));
    assert.equal(last().revision, SHA1);
    swap(top, SHA2);
    await waitFor('the new revision', () => last().revision === SHA2);
    assert.deepEqual(names(), ['lan=vmbr2']);
    assert.equal(last().docs[0]?.location.file, 'net.yaml');
    const n = snapshots.length;
    await waitFor('the re-read after re-watching', () => snapshots.length > n);
    write(top, `.worktrees/${SHA2}/more.yaml`, bridgeYaml('more', 'vmbr7'));
    await waitFor('a file added to the new worktree', () => names().includes('more=vmbr7'));
  });
});

describe('watcher lifecycle', () => {
  test('start() rejects when the folder does not exist', async () => {
    const w = watchManifests({
      kinds: kindDefinitions(),
      root: join(temp(), 'missing'),
      clock: systemClock,
      onSnapshot: () => undefined,
      onError: () => undefined,
    });
    await assert.rejects(w.start(), /cannot read the manifests folder/);
    await w.close();
  });

  test('close() stops delivering snapshots', async () => {
    const root = temp();
    write(root, 'a.yaml', bridgeYaml('a'));
    const { w, snapshots } = await started(root);
    // A second, open watcher on the same folder with the same debounce is the witness: once it has
    // delivered b.yaml, the file event happened and its debounce window passed.
    const witness = await started(root);
    await w.close();
    const n = snapshots.length;
    write(root, 'b.yaml', bridgeYaml('b', 'vmbr2'));
    await waitFor('the open watcher delivered b.yaml', () => witness.names().includes('b=vmbr2'));
    assert.equal(snapshots.length, n);
  });
});

describe('the periodic re-list', () => {
  test('delivers a full snapshot on the clock even when no file event arrived', async () => {
    const root = temp();
    write(root, 'a.yaml', bridgeYaml('a'));
    const clock = new ManualClock();
    const snapshots: SourceSnapshot[] = [];
    const w = watchManifests({
      kinds: kindDefinitions(),
      root,
      clock,
      debounceMs: 300,
      resyncMs: 60_000,
      onSnapshot: (s) => {
        snapshots.push(s);
      },
      onError: (e) => assert.fail(e),
    });
    cleanups.push(() => w.close());
    await w.start();
    clock.advance(300);
    await waitFor('the start-up re-read', () => snapshots.length === 2);
    clock.advance(59_000);
    assert.equal(snapshots.length, 2);
    clock.advance(1_000);
    await waitFor('the re-list', () => snapshots.length === 3);
    assert.equal(snapshots[2]?.readAt, clock.now());
    // The next re-list is armed once the delivery has settled, a few turns after the snapshot.
    await waitFor('the next re-list armed on the clock', () => clock.pending() > 0);
    clock.advance(60_000);
    await waitFor('the next re-list', () => snapshots.length === 4);
  });
});

describe('symlinked manifest files', () => {
  test('an edit of a linked file target leads to a new snapshot', async () => {
    const top = temp();
    write(top, 'shared/common.yaml', bridgeYaml('common', 'vmbr1'));
    write(top, 'root/own.yaml', bridgeYaml('own', 'vmbr2'));
    symlinkSync(join(top, 'shared/common.yaml'), join(top, 'root/common.yaml'));
    const { names } = await started(join(top, 'root'));
    assert.deepEqual(names(), ['common=vmbr1', 'own=vmbr2']);
    write(top, 'shared/common.yaml', bridgeYaml('common', 'vmbr5'));
    await waitFor('the edited target', () => names().includes('common=vmbr5'));
  });
});

describe('a manifests folder that is replaced (not a symlink)', () => {
  test('a folder moved away and created anew is watched again: its new files are read', async () => {
    const top = temp();
    const root = join(top, 'manifests');
    write(root, 'a.yaml', bridgeYaml('a', 'vmbr1'));
    const { names } = await started(root);
    renameSync(root, join(top, 'old'));
    mkdirSync(root);
    await waitFor('the snapshot of the new, empty folder', () => names().length === 0);
    write(root, 'sub/b.yaml', bridgeYaml('b', 'vmbr2'));
    await waitFor('a file written into the new folder', () => names().join() === 'b=vmbr2');
    // Edits in the new folder (not the old one) are what the watchers now see.
    write(root, 'c.yaml', bridgeYaml('c', 'vmbr3'));
    await waitFor(
      'a file added to the new folder',
      () => names().sort().join() === 'b=vmbr2,c=vmbr3',
    );
  });

  test('a folder deleted and created again later is read again once it is back', async () => {
    const top = temp();
    const root = join(top, 'manifests');
    write(root, 'a.yaml', bridgeYaml('a', 'vmbr1'));
    const { names, errors } = await started(root);
    rmSync(root, { recursive: true });
    await waitFor('the read failure of the missing folder', () => errors.length > 0);
    write(root, 'b.yaml', bridgeYaml('b', 'vmbr2'));
    await waitFor('the folder back', () => names().join() === 'b=vmbr2');
  });
});

describe('a failed read is retried', () => {
  test('a folder that stays unreadable is read again on a backoff, without any file event', async () => {
    const top = temp();
    const root = join(top, 'manifests');
    write(root, 'a.yaml', bridgeYaml('a', 'vmbr1'));
    const { names, errors } = await started(root, { retryMs: 50 });
    rmSync(root, { recursive: true });
    writeFileSync(root, 'not a folder\n');
    await waitFor('the first read failure', () => errors.length > 0);
    // Nothing changes any more: only retries (not the 5-minute re-list) can read again.
    await waitFor('two retries that failed too', () => errors.length >= 3);
    rmSync(root);
    write(root, 'b.yaml', bridgeYaml('b', 'vmbr2'));
    await waitFor('the folder read again once it is back', () => names().join() === 'b=vmbr2');
  });
});
