/**
 * Every endpoint of the simulator's table against the official Proxmox VE 9.1.3 API schema: same
 * path and method, same parameter names (`net[n]` in the schema = an `indexed` family), types,
 * enums, optional/required, token permission and return type.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { endpoints } from '../../src/sim/endpoints.js';
import type { EndpointDef, ParamDef } from '../../src/sim/types.js';

const schemaPath = fileURLToPath(
  new URL('../../../shared/pve-api/pve-api-schema-9.1.3.json', import.meta.url),
);

interface SchemaParam {
  type?: string;
  optional?: number;
  enum?: string[];
  format?: unknown;
}
interface SchemaMethod {
  allowtoken?: number;
  parameters?: { properties?: Record<string, SchemaParam> };
  returns?: { type?: string };
}
interface SchemaNode {
  path: string;
  info?: Record<string, SchemaMethod>;
  children?: SchemaNode[];
}

function indexSchema(nodes: SchemaNode[]): Map<string, SchemaMethod> {
  const out = new Map<string, SchemaMethod>();
  const walk = (n: SchemaNode): void => {
    for (const [m, info] of Object.entries(n.info ?? {})) out.set(`${m} ${n.path}`, info);
    for (const c of n.children ?? []) walk(c);
  };
  nodes.forEach(walk);
  return out;
}

/** Differences between one endpoint and its schema entry, as readable lines. */
export function compareEndpoint(ep: EndpointDef, info: SchemaMethod): string[] {
  const diffs: string[] = [];
  const props = info.parameters?.properties ?? {};
  const ours = new Map<string, ParamDef>(Object.entries(ep.params));
  for (const [family, { def }] of Object.entries(ep.indexed ?? {})) ours.set(`${family}[n]`, def);
  for (const name of Object.keys(props)) {
    if (!ours.has(name)) diffs.push(`missing parameter '${name}'`);
  }
  for (const [name, def] of ours) {
    const p = props[name];
    if (!p) {
      diffs.push(`parameter '${name}' is not in the schema`);
      continue;
    }
    if (p.type !== undefined && p.type !== def.type) {
      diffs.push(`'${name}': type ${def.type}, schema ${p.type}`);
    }
    if ((p.optional === 1) !== (def.optional === true)) {
      diffs.push(
        `'${name}': optional ${String(def.optional === true)}, schema ${String(p.optional === 1)}`,
      );
    }
    const a = JSON.stringify(def.enum ?? null);
    const b = JSON.stringify(p.enum ?? null);
    if (a !== b) diffs.push(`'${name}': enum ${a}, schema ${b}`);
    if (typeof p.format === 'string' && def.format !== undefined && def.format !== p.format) {
      diffs.push(`'${name}': format ${def.format}, schema ${p.format}`);
    }
  }
  const tokenOk = info.allowtoken !== 0;
  if ((ep.allowToken !== false) !== tokenOk) {
    diffs.push(
      `allowToken ${String(ep.allowToken !== false)}, schema allowtoken ${String(info.allowtoken)}`,
    );
  }
  if (
    ep.returns !== undefined &&
    info.returns?.type !== undefined &&
    ep.returns !== info.returns.type
  ) {
    diffs.push(`returns ${ep.returns}, schema ${info.returns.type}`);
  }
  return diffs;
}

if (!existsSync(schemaPath)) {
  void test('conformance with the official schema', (t) => {
    t.skip(
      `reference schema not found at ${schemaPath} (../shared/pve-api is not part of the repo)`,
    );
  });
} else {
  const schema = indexSchema(JSON.parse(readFileSync(schemaPath, 'utf8')) as SchemaNode[]);
  void describe('every simulator endpoint matches the official PVE 9.1.3 schema', () => {
    void test('the table has no duplicate method+path', () => {
      const seen = new Set<string>();
      const dups = endpoints
        .map((e) => `${e.method} ${e.path}`)
        .filter((k) => seen.has(k) || !seen.add(k));
      assert.deepEqual(dups, []);
    });
    for (const ep of endpoints) {
      void test(`${ep.method} ${ep.path}`, () => {
        const info = schema.get(`${ep.method} ${ep.path}`);
        assert.ok(info, `${ep.method} ${ep.path} does not exist in the official schema`);
        assert.deepEqual(compareEndpoint(ep, info), []);
      });
    }
  });

  void describe('the comparison itself', () => {
    const info: SchemaMethod = {
      allowtoken: 1,
      parameters: {
        properties: {
          node: { type: 'string', format: 'pve-node' },
          'net[n]': { type: 'string', optional: 1 },
          type: { type: 'string', enum: ['a', 'b'], optional: 1 },
        },
      },
      returns: { type: 'null' },
    };
    const good: EndpointDef = {
      method: 'GET',
      path: '/x',
      params: {
        node: { type: 'string', format: 'pve-node' },
        type: { type: 'string', enum: ['a', 'b'], optional: true },
      },
      indexed: { net: { max: 31, def: { type: 'string', optional: true } } },
      returns: 'null',
      handler: () => null,
    };
    void test('a faithful definition has no differences', () => {
      assert.deepEqual(compareEndpoint(good, info), []);
    });
    void test('a wrong type, enum, optionality or a missing parameter is reported', () => {
      const bad: EndpointDef = {
        ...good,
        params: { node: { type: 'integer' }, type: { type: 'string', enum: ['a'] } },
        indexed: {},
        allowToken: false,
      };
      assert.deepEqual(compareEndpoint(bad, info), [
        "missing parameter 'net[n]'",
        "'node': type integer, schema string",
        "'type': optional false, schema true",
        `'type': enum ["a"], schema ["a","b"]`,
        'allowToken false, schema allowtoken 1',
      ]);
    });
  });
}
