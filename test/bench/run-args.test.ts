/**
 * `npm run bench` arguments: `--help` lists the benchmarks, and a misspelt name fails instead of
 * running nothing and exiting 0 (which looked like a passing benchmark run).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

function bench(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('--help prints the usage and the benchmark names without running any', () => {
  const r = bench('--help');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^usage: npm run bench/);
  for (const name of ['sim', 'source', 'bridges', 'appcontainers'])
    assert.match(r.stdout, new RegExp(`^  ${name} `, 'm'));
  assert.doesNotMatch(r.stdout, /^## /m, 'no benchmark ran');
});

test('a misspelt benchmark name is an error naming it, and nothing runs', () => {
  const r = bench('sim', 'bridgse');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown benchmark 'bridgse'/);
  assert.match(r.stderr, /^ {2}bridges /m);
  assert.equal(r.stdout, '', 'no benchmark ran');
});
