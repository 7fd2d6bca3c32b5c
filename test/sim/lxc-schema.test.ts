/**
 * The lxc group against the official schema beyond what the common conformance test compares: the
 * property-string formats (net, rootfs, mp, unused, features, dev) key by key, and the indexed
 * families.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { lxcEndpoints } from '../../src/sim/lxc/endpoints.js';
import { FORMAT_IDS, formatOfKey } from '../../src/sim/lxc/ct-formats.js';
import type { PropFormat } from '../../src/sim/lxc/property-string.js';
import type { EndpointDef, ParamDef } from '../../src/sim/types.js';
import {
  compareEndpoint,
  jsPattern,
  loadSchemaIndex,
  MISSING_MESSAGE,
  schemaSkip,
  type SchemaParam,
} from '../helpers/pve-schema.js';

const FORMAT_BY_ID: Record<string, PropFormat | undefined> = {
  [FORMAT_IDS.net]: formatOfKey('net0'),
  [FORMAT_IDS.rootfs]: formatOfKey('rootfs'),
  [FORMAT_IDS.mp]: formatOfKey('mp0'),
  [FORMAT_IDS.unused]: formatOfKey('unused0'),
  [FORMAT_IDS.features]: formatOfKey('features'),
  [FORMAT_IDS.dev]: formatOfKey('dev0'),
};

/** A property-string parameter (the schema dump expands its format): compared key by key. */
function compareFormat(where: string, mine: ParamDef, theirs: SchemaParam): void {
  if (typeof theirs.format !== 'object') return;
  const format = mine.format === undefined ? undefined : FORMAT_BY_ID[mine.format];
  assert.ok(format, `${where}: format id ${String(mine.format)} names a property-string format`);
  assert.deepEqual(Object.keys(format).sort(), Object.keys(theirs.format).sort(), `${where}: keys`);
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
}

function paramsOf(ep: EndpointDef): Map<string, ParamDef> {
  const all = new Map<string, ParamDef>(Object.entries(ep.params));
  for (const [name, fam] of Object.entries(ep.indexed ?? {})) all.set(`${name}[n]`, fam.def);
  return all;
}

const schema = loadSchemaIndex();

describe(
  'lxc endpoints against the official 9.1.3 schema',
  { skip: schemaSkip(schema !== undefined) },
  () => {
    test('the official schema is present', () => assert.ok(schema, MISSING_MESSAGE));
    for (const ep of lxcEndpoints) {
      test(`${ep.method} ${ep.path} declares the schema's parameters and property-string formats`, () => {
        const m = schema?.get(`${ep.method} ${ep.path}`);
        assert.ok(m, 'endpoint exists in the schema');
        assert.deepEqual(compareEndpoint(ep, m), []);
        const theirs = m.parameters?.properties ?? {};
        for (const [name, def] of paramsOf(ep)) compareFormat(name, def, theirs[name] ?? {});
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
