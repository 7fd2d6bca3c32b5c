// node:test tracks the promises of describe/test itself; awaiting them would serialise nothing.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unifiedDiff } from '../../src/sim/network/unified-diff.js';

const lines = (n: number, prefix = 'line'): string =>
  Array.from({ length: n }, (_, i) => `${prefix} ${i + 1}\n`).join('');

/** Pairs of (old, new) texts covering the hunk shapes diff can print. */
const CASES: { name: string; a: string; b: string }[] = [
  {
    name: 'append at the end',
    a: lines(10),
    b: `${lines(10)}auto vmbr1\niface vmbr1 inet manual\n`,
  },
  { name: 'insert at the start', a: lines(5), b: `new\n${lines(5)}` },
  { name: 'delete in the middle', a: lines(12), b: lines(12).replace('line 6\n', '') },
  { name: 'replace one line', a: lines(8), b: lines(8).replace('line 4\n', 'changed\n') },
  {
    name: 'two changes close together share a hunk',
    a: lines(20),
    b: lines(20).replace('line 5\n', 'x\n').replace('line 11\n', 'y\n'),
  },
  {
    name: 'two changes far apart make two hunks',
    a: lines(30),
    b: lines(30).replace('line 3\n', 'x\n').replace('line 25\n', 'y\n'),
  },
  { name: 'from an empty file', a: '', b: lines(3) },
  { name: 'to an empty file', a: lines(3), b: '' },
  { name: 'whitespace-only change is ignored with -b', a: 'a b\nc\n', b: 'a  b\nc\nd\n' },
  { name: 'missing final newline', a: 'a\nb\n', b: 'a\nb\nc' },
];

function gnuDiff(a: string, b: string): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'pxr-diff-'));
  try {
    writeFileSync(join(dir, 'a'), a);
    writeFileSync(join(dir, 'b'), b);
    const r = spawnSync(
      'diff',
      ['-b', '-N', '-u', '--label', 'A', '--label', 'B', join(dir, 'a'), join(dir, 'b')],
      { encoding: 'utf8' },
    );
    if (r.error) return undefined;
    return r.stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const haveDiff = spawnSync('diff', ['--version']).status === 0;

describe('unifiedDiff', () => {
  for (const c of CASES) {
    test(
      `prints what GNU diff -b -N -u prints: ${c.name}`,
      { skip: !haveDiff && !process.env.CI && 'no diff(1) on this machine (CI requires it)' },
      () => {
        const expected = gnuDiff(c.a, c.b);
        const actual = unifiedDiff(
          { label: 'A', text: c.a },
          { label: 'B', text: c.b },
          {
            ignoreSpaceChange: true,
          },
        );
        assert.equal(actual ?? '', expected);
      },
    );
  }

  test('returns undefined when the files do not differ', () => {
    assert.equal(
      unifiedDiff({ label: 'A', text: lines(4) }, { label: 'B', text: lines(4) }),
      undefined,
    );
  });

  test('prints the mtime after a tab in the header, like diff -u', () => {
    const out = unifiedDiff(
      {
        label: '/etc/network/interfaces',
        text: 'a\n',
        mtimeMs: Date.UTC(2026, 0, 2, 3, 4, 5, 678),
      },
      { label: '/etc/network/interfaces.new', text: 'b\n', mtimeMs: 0 },
    );
    assert.equal(
      out,
      '--- /etc/network/interfaces\t2026-01-02 03:04:05.678000000 +0000\n' +
        '+++ /etc/network/interfaces.new\t1970-01-01 00:00:00.000000000 +0000\n' +
        '@@ -1 +1 @@\n-a\n+b\n',
    );
  });
});
