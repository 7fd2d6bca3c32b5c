/**
 * The conformance tests need `../shared/pve-api`, which is not part of the repo. In a user's clone
 * they skip with a message; under CI=true a missing schema fails the run, as a missing binary does,
 * so the simulator's conformance can never silently stop being checked.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { schemaSkip } from '../helpers/pve-schema.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const files = ['test/sim/conformance.test.ts', 'test/sim/lxc-schema.test.ts'];

function runWithoutSchema(ci: boolean): { status: number | null; output: string } {
  const env: Record<string, string | undefined> = {
    ...process.env,
    PXR_TEST_PVE_SCHEMA: '/nonexistent/pve-api-schema-9.1.3.json',
  };
  delete env.CI;
  // Set by node --test for its children; a nested runner would report to us instead of exiting.
  delete env.NODE_TEST_CONTEXT;
  if (ci) env.CI = 'true';
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', ...files], {
    cwd: root,
    env,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

test('schemaSkip skips outside CI and never under CI', () => {
  assert.match(String(schemaSkip(false, {})), /reference schema not found .*required in CI/);
  assert.equal(schemaSkip(false, { CI: 'true' }), false);
  assert.equal(schemaSkip(true, {}), false);
});

test('without the schema, the conformance tests skip in a clone and fail under CI=true', () => {
  const clone = runWithoutSchema(false);
  assert.equal(clone.status, 0, `clone run (no CI) should pass with skips:\n${clone.output}`);
  assert.match(clone.output, /# SKIP reference schema not found/);
  assert.doesNotMatch(clone.output, /^# fail [1-9]/m);

  const ci = runWithoutSchema(true);
  assert.notEqual(ci.status, 0, `CI run should fail:\n${ci.output}`);
  assert.match(ci.output, /reference schema not found at \/nonexistent\//);
  assert.match(ci.output, /^# skipped 0$/m);
});
