/**
 * Bad input to the read commands ends in one line on stderr and exit 2 — never a stack trace: a
 * folder that does not exist, a --db that is not a pxr store.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'pxr-cli-errors-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const run = (argv: string[]): ReturnType<typeof runCli> => runCli(argv, dir);

describe('pxr commands given bad input', () => {
  test('validate of a folder that does not exist: exit 2, one line naming it', async () => {
    const r = await run(['validate', 'nope']);
    assert.equal(r.code, 2);
    assert.match(r.err, /^pxr validate: cannot read the manifests folder .*nope\n$/);
  });

  test('get with a --db that is not a database: exit 2, one line naming the file', async () => {
    writeFileSync(join(dir, 'notes.txt'), 'not sqlite at all, but long enough to have a header\n');
    for (const cmd of ['get', 'events']) {
      const r = await run([cmd, '--db', 'notes.txt']);
      assert.equal(r.code, 2, r.err);
      assert.match(r.err, new RegExp(`^pxr ${cmd}: cannot open store .*notes\\.txt: .+\\n$`));
    }
  });
});
