import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { firewallEndpoints } from '../../src/sim/firewall/endpoints.js';
import { certEndpoints } from '../../src/sim/certs/endpoints.js';
import type { EndpointDef } from '../../src/sim/types.js';

const SCHEMA = fileURLToPath(
  new URL('../../../shared/pve-api/pve-api-schema-9.1.3.json', import.meta.url),
);

interface SchemaParam {
  type?: string;
  optional?: number;
  enum?: string[];
}
interface SchemaMethod {
  parameters?: { properties?: Record<string, SchemaParam> };
  returns?: { type?: string };
  permissions?: { check?: [string, string, string[]] };
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

/** Name -> "type optional enum" for a comparison that names the differing parameter. */
function shape(
  params: Record<string, { type?: string; optional?: unknown; enum?: readonly string[] }>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, p] of Object.entries(params)) {
    out[name] =
      `${p.type} ${p.optional ? 'optional' : 'required'} ${p.enum ? p.enum.join('|') : ''}`;
  }
  return out;
}

describe('firewall and certificate endpoints match the official schema', () => {
  const present = existsSync(SCHEMA);
  const schema = present
    ? index(JSON.parse(readFileSync(SCHEMA, 'utf8')) as SchemaNode[])
    : new Map<string, SchemaMethod>();
  const mine: EndpointDef[] = [...firewallEndpoints, ...certEndpoints];

  for (const ep of mine) {
    test(
      `${ep.method} ${ep.path}`,
      { skip: present ? false : `schema not found at ${SCHEMA}` },
      () => {
        const official = schema.get(`${ep.method} ${ep.path}`);
        assert.ok(official, 'endpoint exists in the schema');
        assert.deepEqual(shape(ep.params), shape(official.parameters?.properties ?? {}));
        assert.equal(ep.returns, official.returns?.type);
        const check = official.permissions?.check;
        if (check) assert.deepEqual(ep.permission, { path: check[1], privs: check[2] });
        else assert.equal(ep.permission, undefined);
      },
    );
  }
});
