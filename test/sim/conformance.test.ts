/**
 * Every endpoint of the simulator's table against the official Proxmox VE 9.1.3 API schema: same
 * path and method, same parameter names (`net[n]` in the schema = an `indexed` family), types,
 * enums, formats, bounds, patterns, defaults, optional/required, token use, privilege check and return
 * type.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { endpoints } from '../../src/sim/endpoints.js';
import type { EndpointDef } from '../../src/sim/types.js';
import {
  compareEndpoint,
  loadSchemaIndex,
  MISSING_MESSAGE,
  schemaSkip,
  type SchemaMethod,
} from '../helpers/pve-schema.js';

const schema = loadSchemaIndex();

if (!schema) {
  void test('conformance with the official schema', { skip: schemaSkip(false) }, () => {
    assert.fail(MISSING_MESSAGE);
  });
} else {
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
        // apidata.js is a tree whose roots are the children of `/`: the root index (pve-manager
        // PVE/API2.pm `index`) has no entry, and no parameters or permission check to compare.
        if (ep.method === 'GET' && ep.path === '/') {
          assert.deepEqual([ep.params, ep.permission], [{}, undefined]);
          return;
        }
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
    void test('bounds, patterns, defaults and privilege checks are compared too', () => {
      const strict: SchemaMethod = {
        ...info,
        parameters: {
          properties: {
            ...info.parameters!.properties,
            mtu: { type: 'integer', optional: 1, minimum: 1280, maximum: 65520 },
          },
        },
        permissions: { check: ['perm', '/nodes/{node}', ['Sys.Audit']] },
      };
      const ep: EndpointDef = {
        ...good,
        params: {
          ...good.params,
          mtu: { type: 'integer', optional: true, minimum: 576, maximum: 65520 },
        },
      };
      assert.deepEqual(compareEndpoint(ep, strict), [
        "'mtu': minimum 576, schema 1280",
        'permission none, schema {"path":"/nodes/{node}","privs":["Sys.Audit"]}',
      ]);
    });
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
