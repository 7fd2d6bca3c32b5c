import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { SCHEMAS_DIR, renderSchemas } from '../../scripts/export-schemas.js';
import { kindDefinitions } from '../../src/kinds/registry.js';
import type { BridgeSpec } from '../../src/kinds/bridge/schema.js';

describe('exported JSON schemas', () => {
  test('schemas/*.schema.json are exactly what `npm run schemas` generates', () => {
    const rendered = renderSchemas();
    const onDisk = readdirSync(SCHEMAS_DIR).filter((f) => f.endsWith('.schema.json'));
    assert.deepEqual(
      onDisk.sort(),
      [...rendered.keys()].sort(),
      'one file per kind, no stale files',
    );
    for (const [name, content] of rendered) {
      assert.equal(
        readFileSync(join(SCHEMAS_DIR, name), 'utf8'),
        content,
        `schemas/${name} is stale: run npm run schemas`,
      );
    }
  });

  test('every field of every kind has a description (editors show them)', () => {
    const missing: string[] = [];
    const walk = (node: unknown, path: string): void => {
      if (typeof node !== 'object' || node === null) return;
      const o = node as Record<string, unknown>;
      const props = o['properties'] as Record<string, Record<string, unknown>> | undefined;
      for (const [k, v] of Object.entries(props ?? {})) {
        if (typeof v['description'] !== 'string') missing.push(`${path}.${k}`);
        walk(v, `${path}.${k}`);
      }
      if (o['items']) walk(o['items'], `${path}[]`);
      for (const alt of (o['anyOf'] as unknown[] | undefined) ?? []) walk(alt, path);
    };
    for (const k of kindDefinitions()) walk(k.schema, k.kind);
    assert.deepEqual(missing, []);
  });

  test('the exported Bridge schema accepts a manifest an editor would write, with its modeline', () => {
    const schema = JSON.parse(renderSchemas().get('bridge.schema.json')!) as object;
    const check = new Ajv2020({ strict: true, allErrors: true }).compile(schema);
    const doc: unknown = parse(
      '# yaml-language-server: $schema=../schemas/bridge.schema.json\n' +
        'apiVersion: pxr/v1alpha1\nkind: Bridge\nmetadata: {name: lan, labels: {site: a}}\n' +
        'spec: {node: pve, iface: vmbr1, ports: [eno1], cidr: 10.0.0.1/24, vlanAware: true, vids: "2-4094"}\n',
    );
    assert.equal(check(doc), true, JSON.stringify(check.errors));
    assert.equal(check({ ...(doc as object), kind: 'Other' }), false);
    // The derived type follows the schema (compile-time check).
    const spec: BridgeSpec = {
      node: 'pve',
      iface: 'vmbr1',
      ports: [],
      vlanAware: false,
      autostart: true,
      allowApiBridge: false,
      adopt: false,
    };
    assert.equal(spec.iface, 'vmbr1');
  });
});
