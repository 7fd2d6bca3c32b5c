/**
 * npm 11 warns on `npm ci` about every dependency whose install script `allowScripts` does not
 * cover. Each one in the lockfile must be decided (true: needed; false: denied on purpose), so a new
 * one shows up here rather than as a warning nobody reads.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

const root = new URL('../../', import.meta.url);
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as {
  allowScripts?: Record<string, boolean>;
};
const lock = JSON.parse(readFileSync(new URL('package-lock.json', root), 'utf8')) as {
  packages: Record<string, { hasInstallScript?: boolean }>;
};

test('allowScripts decides every locked dependency that has an install script', () => {
  const withScripts = Object.entries(lock.packages)
    .filter(([, p]) => p.hasInstallScript === true)
    .map(([path]) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length));
  assert.ok(withScripts.includes('better-sqlite3'), 'lockfile lists install scripts');
  const allow = pkg.allowScripts ?? {};
  assert.deepEqual(
    withScripts.filter((name) => typeof allow[name] !== 'boolean'),
    [],
    'dependencies with install scripts not covered by allowScripts',
  );
  assert.equal(allow['better-sqlite3'], true, 'better-sqlite3 needs its native build');
  assert.deepEqual(
    Object.keys(allow).filter((name) => !withScripts.includes(name)),
    [],
    'allowScripts entries for packages without install scripts',
  );
});
