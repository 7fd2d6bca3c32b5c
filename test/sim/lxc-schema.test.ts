import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { lxcEndpoints } from '../../src/sim/lxc/endpoints.js';
import { FORMAT_IDS, formatOfKey } from '../../src/sim/lxc/ct-formats.js';
import type { PropFormat } from '../../src/sim/lxc/property-string.js';
import type { EndpointDef, ParamDef } from '../../src/sim/types.js';

const SCHEMA = fileURLToPath(
  new URL('../../../shared/pve-api/pve-api-schema-9.1.3.json', import.meta.url),
);

interface SchemaParam {
  type: string;
  optional?: number;
  enum?: string[];
  format?: string | Record<string, SchemaParam & { default_key?: number }>;
  pattern?: string;
  minimum?: number | string;
  maximum?: number | string;
  minLength?: number;
  maxLength?: number;
}
interface SchemaMethod {
  parameters?: { properties?: Record<string, SchemaParam> };
  returns?: { type?: string };
  permissions?: { check?: unknown[] };
}
interface SchemaNode {
  path: string;
  info?: Record<string, SchemaMethod>;
  children?: SchemaNode[];
}

function findMethod(nodes: SchemaNode[], path: string, method: string): SchemaMethod | undefined {
  for (const n of nodes) {
    if (n.path === path && n.info?.[method]) return n.info[method];
    const r = n.children ? findMethod(n.children, path, method) : undefined;
    if (r) return r;
  }
  return undefined;
}

/** Perl stringifies compiled regexes as `(?^:...)`; JavaScript spells the group `(?:...)`. */
const jsPattern = (p: string): string => p.replace(/\(\?\^:/g, '(?:');

const FORMAT_BY_ID: Record<string, PropFormat | undefined> = {
  [FORMAT_IDS.net]: formatOfKey('net0'),
  [FORMAT_IDS.rootfs]: formatOfKey('rootfs'),
  [FORMAT_IDS.mp]: formatOfKey('mp0'),
  [FORMAT_IDS.unused]: formatOfKey('unused0'),
  [FORMAT_IDS.features]: formatOfKey('features'),
  [FORMAT_IDS.dev]: formatOfKey('dev0'),
};

function compareParam(where: string, mine: ParamDef, theirs: SchemaParam): void {
  assert.equal(mine.type, theirs.type, `${where}: type`);
  assert.equal(mine.optional === true, theirs.optional === 1, `${where}: optional`);
  assert.deepEqual(mine.enum, theirs.enum, `${where}: enum`);
  assert.equal(
    mine.minimum,
    theirs.minimum === undefined ? undefined : Number(theirs.minimum),
    `${where}: minimum`,
  );
  assert.equal(
    mine.maximum,
    theirs.maximum === undefined ? undefined : Number(theirs.maximum),
    `${where}: maximum`,
  );
  assert.equal(mine.maxLength, theirs.maxLength, `${where}: maxLength`);
  assert.equal(mine.minLength, theirs.minLength, `${where}: minLength`);
  assert.equal(
    mine.pattern,
    theirs.pattern === undefined ? undefined : jsPattern(theirs.pattern),
    `${where}: pattern`,
  );
  if (typeof theirs.format === 'object') {
    // A property-string format: the schema dump expands it; compare it key by key.
    const format = mine.format === undefined ? undefined : FORMAT_BY_ID[mine.format];
    assert.ok(format, `${where}: format id ${String(mine.format)} names a property-string format`);
    assert.deepEqual(
      Object.keys(format).sort(),
      Object.keys(theirs.format).sort(),
      `${where}: keys`,
    );
    for (const [key, sub] of Object.entries(theirs.format)) {
      const m: PropFormat[string] | undefined = format[key];
      assert.ok(m);
      const at = `${where}.${key}`;
      assert.equal(m.type, sub.type, `${at}: type`);
      assert.equal(m.optional === true, sub.optional === 1, `${at}: optional`);
      assert.equal(m.defaultKey === true, sub.default_key === 1, `${at}: default_key`);
      assert.deepEqual(m.enum, sub.enum, `${at}: enum`);
      assert.equal(
        m.format,
        typeof sub.format === 'string' ? sub.format : undefined,
        `${at}: format`,
      );
      assert.equal(
        m.pattern?.source,
        sub.pattern === undefined ? undefined : jsPattern(sub.pattern),
        `${at}: pattern`,
      );
      assert.equal(
        m.minimum,
        sub.minimum === undefined ? undefined : Number(sub.minimum),
        `${at}: minimum`,
      );
      assert.equal(
        m.maximum,
        sub.maximum === undefined ? undefined : Number(sub.maximum),
        `${at}: maximum`,
      );
    }
  } else {
    assert.equal(mine.format, theirs.format, `${where}: format`);
  }
}

const IN_CODE_CHECKS: Record<string, EndpointDef['permission']> = {
  'POST /nodes/{node}/lxc': { path: '/vms/{vmid}', privs: ['VM.Allocate'] },
};

function paramsOf(ep: EndpointDef): Map<string, ParamDef> {
  const all = new Map<string, ParamDef>(Object.entries(ep.params));
  for (const [name, fam] of Object.entries(ep.indexed ?? {})) all.set(`${name}[n]`, fam.def);
  return all;
}

describe(
  'lxc endpoints against the official 9.1.3 schema',
  { skip: !existsSync(SCHEMA) && `reference schema not found at ${SCHEMA}` },
  () => {
    const schema = existsSync(SCHEMA)
      ? (JSON.parse(readFileSync(SCHEMA, 'utf8')) as SchemaNode[])
      : [];

    for (const ep of lxcEndpoints) {
      test(`${ep.method} ${ep.path} declares the schema's parameters, return type and permission`, () => {
        const m = findMethod(schema, ep.path, ep.method);
        assert.ok(m, 'endpoint exists in the schema');
        const theirs = m.parameters?.properties ?? {};
        const mine = paramsOf(ep);
        assert.deepEqual([...mine.keys()].sort(), Object.keys(theirs).sort());
        for (const [name, def] of mine) {
          const t = theirs[name];
          assert.ok(t);
          compareParam(name, def, t);
        }
        assert.equal(ep.returns, m.returns?.type);
        const check = m.permissions?.check;
        if (check?.[0] === 'perm') {
          assert.equal(ep.permission?.path, check[1]);
          assert.deepEqual([...(ep.permission?.privs ?? [])], check[2]);
        } else {
          // No declarative check: only create checks a privilege, in its code (`VM.Allocate`).
          assert.deepEqual(ep.permission, IN_CODE_CHECKS[`${ep.method} ${ep.path}`]);
        }
      });
    }

    test('indexed families allow net0..net31 and mp/dev/unused 0..255', () => {
      const create = lxcEndpoints.find(
        (e) => e.method === 'POST' && e.path === '/nodes/{node}/lxc',
      );
      assert.deepEqual(
        Object.fromEntries(Object.entries(create?.indexed ?? {}).map(([k, v]) => [k, v.max])),
        { net: 31, mp: 255, dev: 255, unused: 255 },
      );
    });
  },
);
