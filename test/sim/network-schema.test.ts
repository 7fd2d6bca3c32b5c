// node:test tracks the promises of describe/test itself; awaiting them would serialise nothing.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { networkEndpoints } from '../../src/sim/network/endpoints.js';
import type { ParamDef } from '../../src/sim/types.js';

const SCHEMA = fileURLToPath(
  new URL('../../../shared/pve-api/pve-api-schema-9.1.3.json', import.meta.url),
);

type SchemaParam = Record<string, unknown>;
interface SchemaMethod {
  parameters?: { properties?: Record<string, SchemaParam> };
  returns?: { type?: string };
  permissions?: { check?: [string, string, string[]]; user?: string };
}
interface SchemaNode {
  path: string;
  info?: Record<string, SchemaMethod>;
  children?: SchemaNode[];
}

function index(
  nodes: SchemaNode[],
  out = new Map<string, SchemaMethod>(),
): Map<string, SchemaMethod> {
  for (const n of nodes) {
    for (const [method, info] of Object.entries(n.info ?? {})) out.set(`${method} ${n.path}`, info);
    if (n.children) index(n.children, out);
  }
  return out;
}

const FIELDS = [
  'type',
  'format',
  'enum',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'pattern',
  'default',
];

/** Every validation-relevant field of every parameter, as one comparable string per name. */
function shape(params: Record<string, ParamDef | SchemaParam>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, p] of Object.entries(params)) {
    const q = p as Record<string, unknown>;
    const fields = FIELDS.filter((f) => q[f] !== undefined).map(
      (f) => `${f}=${JSON.stringify(q[f])}`,
    );
    out[name] = `${q.optional ? 'optional' : 'required'} ${fields.join(' ')}`;
  }
  return out;
}

describe('network endpoints match the official schema', () => {
  const present = existsSync(SCHEMA);
  const schema = present
    ? index(JSON.parse(readFileSync(SCHEMA, 'utf8')) as SchemaNode[])
    : new Map<string, SchemaMethod>();

  test('all seven /nodes/{node}/network endpoints are implemented', () => {
    assert.deepEqual(networkEndpoints.map((e) => `${e.method} ${e.path}`).sort(), [
      'DELETE /nodes/{node}/network',
      'DELETE /nodes/{node}/network/{iface}',
      'GET /nodes/{node}/network',
      'GET /nodes/{node}/network/{iface}',
      'POST /nodes/{node}/network',
      'PUT /nodes/{node}/network',
      'PUT /nodes/{node}/network/{iface}',
    ]);
  });

  for (const ep of networkEndpoints) {
    test(
      `${ep.method} ${ep.path}: parameters, returns and permission`,
      { skip: present ? false : `schema not found at ${SCHEMA}` },
      () => {
        const official = schema.get(`${ep.method} ${ep.path}`);
        assert.ok(official, 'endpoint exists in the schema');
        assert.deepEqual(shape(ep.params), shape(official.parameters?.properties ?? {}));
        assert.equal(ep.returns, official.returns?.type);
        const check = official.permissions?.check;
        if (check) assert.deepEqual(ep.permission, { path: check[1], privs: check[2] });
        else assert.equal(ep.permission, undefined, 'user => all: no privilege check');
      },
    );
  }
});
