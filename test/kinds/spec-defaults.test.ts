/**
 * One source for each default: a minimal spec resolved as written and the same spec after Ajv filled
 * in the schema's defaults (what `pxr run` reconciles) give the same resolved spec, for every kind
 * that resolves its defaults in code.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { appContainerSpecSchema } from '../../src/kinds/app-container/schema.js';
import { resolveSpec, type AppContainerSpec } from '../../src/kinds/app-container/spec.js';
import { APPLIANCE_DEFAULTS, applianceSpecSchema } from '../../src/kinds/appliance/schema.js';
import {
  applianceCtSpec,
  resolveAppliance,
  type ApplianceSpec,
} from '../../src/kinds/appliance/spec.js';

/** `spec` with the schema's defaults applied, as the source hands it to the runtime. */
function withDefaults<T>(schema: object, spec: T): T {
  const copy = structuredClone(spec);
  const check = new Ajv2020({ useDefaults: true, strict: true }).compile(schema);
  assert.equal(check(copy), true, JSON.stringify(check.errors));
  return copy;
}

describe('schema defaults and resolved defaults agree', () => {
  test('AppContainer: resolveSpec', () => {
    const minimal = {
      node: 'pve',
      template: 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst',
      network: { bridge: 'vmbr1' },
      mountPoints: [{ path: '/data', size: 2 }],
    } as AppContainerSpec;
    const filled = withDefaults(appContainerSpecSchema, minimal);
    assert.notDeepEqual(filled, minimal, 'the schema fills in defaults');
    assert.deepEqual(resolveSpec(minimal, 'web'), resolveSpec(filled, 'web'));
  });

  test('Appliance: resolveAppliance and the container spec (disk 4 GiB)', () => {
    const minimal = {
      node: 'pve',
      template: 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst',
      wan: { bridge: 'vmbr0' },
      lan: { bridge: 'vmbr10', cidr: '10.20.0.1/24' },
      dhcp: { range: { start: '10.20.0.100', end: '10.20.0.199' } },
      dns: { domain: 'prox.local' },
      access: { transport: 'simulated' },
    } as ApplianceSpec;
    const filled = withDefaults(applianceSpecSchema, minimal);
    assert.notDeepEqual(filled, minimal, 'the schema fills in defaults');
    assert.deepEqual(resolveAppliance(minimal), resolveAppliance(filled));
    assert.deepEqual(applianceCtSpec(minimal, 'gw'), applianceCtSpec(filled, 'gw'));
    assert.equal(applianceCtSpec(minimal, 'gw').diskGb, APPLIANCE_DEFAULTS.diskGb);
    assert.equal(filled.resources?.disk?.size, 4);
  });
});
