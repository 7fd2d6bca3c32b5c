/**
 * Only regular files are manifests: a FIFO, a device or an oversized file in the folder (directly or
 * through a symlink) is a located issue of that file, and never blocks or floods the read.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ManualClock, systemClock } from '../../src/core/clock.js';
import { kindDefinitions } from '../../src/kinds/registry.js';
import { DEFAULT_MAX_FILE_BYTES, readManifestDir } from '../../src/source/reader.js';
import { ManifestValidator } from '../../src/source/validate.js';
import { watchManifests } from '../../src/source/watcher.js';
import type { SourceIssue, SourceSnapshot } from '../../src/source/types.js';
import { bridgeYaml, tempDir, waitFor, write } from './helpers.js';

const validator = new ManifestValidator(kindDefinitions());
const clock = new ManualClock(1_000);
const cleanups: (() => void | Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});
function temp(): string {
  const t = tempDir('pxr-special-');
  cleanups.push(t.cleanup);
  return t.dir;
}

/** Fails naming `what` instead of hanging the suite when the read blocks (the old FIFO behaviour). */
async function within<T>(what: string, p: Promise<T>, ms = 20_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function issueOf(issues: readonly SourceIssue[], file: string): SourceIssue {
  const i = issues.find((x) => x.file === file);
  assert.ok(i, `an issue for ${file} in ${JSON.stringify(issues)}`);
  return i;
}

describe('files that are not regular files', () => {
  test('a FIFO, a link to a FIFO and a link to /dev/zero are located issues; the rest is read', async () => {
    const root = temp();
    write(root, 'a.yaml', bridgeYaml('a', 'vmbr1'));
    execFileSync('mkfifo', [join(root, 'pipe.yaml')]);
    symlinkSync('pipe.yaml', join(root, 'pipe-link.yaml'));
    symlinkSync('/dev/zero', join(root, 'zero.yaml'));
    const rssBefore = process.memoryUsage().rss;
    const r = await within(
      'reading a folder with a FIFO and /dev/zero',
      (async () => {
        return readManifestDir(root, { validator, clock });
      })(),
    );
    const grew = process.memoryUsage().rss - rssBefore;
    assert.ok(grew < 200 * 1024 * 1024, `the read grew RSS by ${grew} bytes`);
    const s = r.snapshot;
    assert.deepEqual(
      s.docs.map((d) => d.name),
      ['a'],
    );
    assert.match(issueOf(s.issues, 'pipe.yaml').message, /not a regular file \(a FIFO\)/);
    assert.match(issueOf(s.issues, 'pipe-link.yaml').message, /not a regular file \(a FIFO\)/);
    const zero = issueOf(s.issues, 'zero.yaml');
    assert.match(zero.message, /not a regular file \(a character device\)/);
    assert.deepEqual([zero.line, zero.column], [1, 1]);
    // Their objects (if any were there before) are kept, not pruned: the files are invalid.
    assert.deepEqual(s.invalidFiles, ['pipe-link.yaml', 'pipe.yaml', 'zero.yaml']);
  });

  test('a file larger than the limit is an issue (default 1 MiB, configurable)', async () => {
    const root = temp();
    write(root, 'a.yaml', bridgeYaml('a', 'vmbr1'));
    writeFileSync(join(root, 'big.yaml'), `# ${'x'.repeat(DEFAULT_MAX_FILE_BYTES)}\n`);
    const r = await readManifestDir(root, { validator, clock });
    assert.match(
      issueOf(r.snapshot.issues, 'big.yaml').message,
      new RegExp(`at most ${DEFAULT_MAX_FILE_BYTES} bytes`),
    );
    assert.deepEqual(r.snapshot.invalidFiles, ['big.yaml']);
    const small = await readManifestDir(root, { validator, clock, maxFileBytes: 64 });
    assert.match(issueOf(small.snapshot.issues, 'a.yaml').message, /at most 64 bytes/);
    assert.equal(small.snapshot.docs.length, 0);
  });

  test('a link to a regular file is still followed', async () => {
    const root = temp();
    // The target sits in a dot folder (not read on its own), as a git-sync or ConfigMap link would.
    write(root, '.data/a.yaml', bridgeYaml('a', 'vmbr1'));
    symlinkSync('.data/a.yaml', join(root, 'linked.yaml'));
    const r = await readManifestDir(root, { validator, clock });
    assert.deepEqual(r.snapshot.issues, []);
    assert.deepEqual(
      r.snapshot.docs.map((d) => d.location.file),
      ['linked.yaml'],
    );
  });
});

describe('watching a folder that gains a FIFO and a link to /dev/zero', () => {
  test('the watcher goes on delivering snapshots that report them', async () => {
    const root = temp();
    write(root, 'a.yaml', bridgeYaml('a', 'vmbr1'));
    const snapshots: SourceSnapshot[] = [];
    const w = watchManifests({
      kinds: kindDefinitions(),
      root,
      clock: systemClock,
      debounceMs: 50,
      onSnapshot: (s) => {
        snapshots.push(s);
      },
      onError: () => undefined,
    });
    cleanups.push(() => w.close());
    await within('the first read', w.start());
    execFileSync('mkfifo', [join(root, 'pipe.yaml')]);
    symlinkSync('pipe.yaml', join(root, 'pipe-link.yaml'));
    symlinkSync('/dev/zero', join(root, 'zero.yaml'));
    write(root, 'b.yaml', bridgeYaml('b', 'vmbr2'));
    const last = (): SourceSnapshot | undefined => snapshots[snapshots.length - 1];
    await waitFor('a snapshot with b and the three refused files', () => {
      const s = last();
      return (
        s !== undefined &&
        s.docs.some((d) => d.name === 'b') &&
        s.invalidFiles.join() === 'pipe-link.yaml,pipe.yaml,zero.yaml'
      );
    });
    // Later changes are still seen: no read is stuck on the FIFO.
    write(root, 'c.yaml', bridgeYaml('c', 'vmbr3'));
    await waitFor('a snapshot with c', () => last()?.docs.some((d) => d.name === 'c') === true);
  });
});
