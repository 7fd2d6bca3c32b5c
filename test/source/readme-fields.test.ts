/**
 * The README's per-kind field tables are generated from the schemas' descriptions (`npm run docs`):
 * the checked-in README must be exactly what the generator writes, and every field of every kind has
 * its row with its description and default.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { kindDefinitions } from '../../src/kinds/registry.js';
import {
  README_PATH,
  beginMarker,
  endMarker,
  fieldTable,
  renderReadme,
} from '../../scripts/export-docs.js';

const readme = readFileSync(README_PATH, 'utf8');

describe('README field tables', () => {
  test('README.md is exactly what `npm run docs` generates', async () => {
    assert.equal(await renderReadme(readme), readme, 'README.md is stale: run npm run docs');
  });

  test('a changed description shows up in the generated README (the check can fail)', async () => {
    const kinds = kindDefinitions();
    const bridge = kinds.find((k) => k.kind === 'Bridge')!;
    const props = bridge.schema['properties'] as Record<string, Record<string, unknown>>;
    bridge.schema = {
      ...bridge.schema,
      properties: { ...props, node: { ...props['node'], description: 'Changed words.' } },
    };
    const out = await renderReadme(readme, kinds);
    assert.notEqual(out, readme);
    assert.match(out, /\| `node` +\| string +\| required \| Changed words\. +\|/);
  });

  test('every kind has its table between markers, one row per field', () => {
    for (const def of kindDefinitions()) {
      const begin = readme.indexOf(beginMarker(def.kind));
      const end = readme.indexOf(endMarker(def.kind));
      assert.ok(begin >= 0 && end > begin, `${def.kind}: markers in README.md`);
      const section = readme.slice(begin, end);
      const props = def.schema['properties'] as Record<string, Record<string, unknown>>;
      for (const [name, p] of Object.entries(props)) {
        const row = section.split('\n').find((l) => l.startsWith(`| \`${name}\` `));
        assert.ok(row, `${def.kind}.${name} has a row`);
        const firstWords = String(p['description']).split(' ').slice(0, 3).join(' ');
        assert.ok(row.includes(firstWords), `${def.kind}.${name}: its description`);
      }
      assert.ok(fieldTable(def).split('\n').length > Object.keys(props).length);
    }
  });

  test('the appliance disk default shown is the schema default (4 GiB), the container one 8', () => {
    const row = (kind: string): string =>
      readme
        .slice(readme.indexOf(beginMarker(kind)))
        .split('\n')
        .find((l) => l.startsWith('| `resources.disk.size` '))!;
    assert.match(row('Appliance'), /\| `4` +\|/);
    assert.match(row('AppContainer'), /\| `8` +\|/);
  });
});
