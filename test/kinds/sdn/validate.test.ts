/**
 * SdnZone and VNet manifests as `pxr validate` sees them: ids Proxmox refuses (2 to 8 letters and
 * digits, starting with a letter) are located errors with a name Proxmox takes as the suggestion;
 * subnets are checked like pve-network checks them; a VNet gateway that a bridge, an appliance or a
 * guest on the VNet also claims is a warning. A vlan zone waits for the Bridge pxr manages under it.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ObjectReader, PlanContext, StoredObject } from '../../../src/core/kind.js';
import { suggestSdnId } from '../../../src/kinds/sdn/ids.js';
import { zoneOps } from '../../../src/kinds/sdn-zone/ops.js';
import type { SdnZoneSpec } from '../../../src/kinds/sdn-zone/schema.js';
import { kindDefinitions } from '../../../src/kinds/registry.js';
import { addressConflicts, conflictMessage } from '../../../src/source/address-conflicts.js';
import { ManifestValidator } from '../../../src/source/validate.js';
import { runCli } from '../../helpers/cli.js';

const kinds = kindDefinitions();
const validator = new ManifestValidator(kinds);
const dir = mkdtempSync(join(tmpdir(), 'pxr-sdn-validate-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const zone = (name: string, spec = 'type: simple'): string =>
  `apiVersion: pxr/v1alpha1\nkind: SdnZone\nmetadata: { name: ${name} }\nspec: { ${spec} }\n`;
const vnet = (name: string, subnet = '{ cidr: 172.16.100.0/24, gateway: 172.16.100.1 }'): string =>
  `apiVersion: pxr/v1alpha1\nkind: VNet\nmetadata: { name: ${name} }\nspec:\n  zone: meshzone\n  subnets: [${subnet}]\n`;
const bridge = (cidr: string): string =>
  `apiVersion: pxr/v1alpha1\nkind: Bridge\nmetadata: { name: lan }\nspec: { node: pve, iface: vmbr5, cidr: ${cidr} }\n`;
const ct = (ip: string): string =>
  `apiVersion: pxr/v1alpha1\nkind: AppContainer\nmetadata: { name: stepca }\nspec:\n  node: pve\n  template: local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst\n  network: { bridge: mesh, ip: ${ip} }\n`;

function issues(...texts: string[]): string[] {
  const r = validator.validate(texts.map((t, i) => validator.parse(`f${i}.yaml`, t)));
  return r.issues.map((i) => `${i.file}:${i.line} ${i.field}: ${i.message}`);
}

function conflicts(...texts: string[]): string[] {
  const r = validator.validate(texts.map((t, i) => validator.parse(`f${i}.yaml`, t)));
  assert.deepEqual(r.issues, []);
  return addressConflicts(r.docs, kinds).map(
    (c) => `${c.other.kind}/${c.other.name} ${c.other.field}: ${conflictMessage(c, 'other')}`,
  );
}

describe('SDN manifests', () => {
  test('names Proxmox would refuse are located errors with a suggestion', () => {
    assert.deepEqual(issues(vnet('service-mesh')), [
      "f0.yaml:3 metadata.name: 'service-mesh' cannot be a Proxmox SDN VNet id (a letter, then letters or digits, 2 to 8 characters; metadata.name is the id): try 'servicem'",
    ]);
    assert.match(issues(zone('9lives'))[0] ?? '', /f0\.yaml:3 metadata\.name: .* try 'lives'/);
    assert.match(issues(zone('m'))[0] ?? '', /try 'm0'/);
    assert.deepEqual(issues(zone('meshzone'), vnet('mesh')), []);
    for (const n of ['service-mesh', '9lives', 'm', 'a-b-c-d-e-f-g', '1234']) {
      assert.match(suggestSdnId(n), /^[a-zA-Z][a-zA-Z0-9]{1,7}$/, n);
    }
  });

  test('subnets as pve-network checks them, located', () => {
    const bad = issues(
      vnet(
        'mesh',
        '{ cidr: 172.16.100.7/24, gateway: 172.16.101.1, dhcpRanges: [{ start: 172.16.100.200, end: 172.16.100.100 }] }',
      ),
    );
    assert.ok(
      bad.some((l) => /subnets\[0\]\.cidr: .*did you mean 172\.16\.100\.0\/24/.test(l)),
      bad.join('\n'),
    );
    assert.ok(
      bad.some((l) => /subnets\[0\]\.gateway: gateway 172\.16\.101\.1 is not in subnet/.test(l)),
    );
    assert.ok(
      bad.some((l) => /dhcpRanges\[0\]\.start: start 172\.16\.100\.200 is after end/.test(l)),
    );
    assert.match(issues(zone('vz', 'type: vlan'))[0] ?? '', /spec\.bridge: a vlan zone needs/);
  });

  test('a VNet gateway also claimed by a bridge on the host or a guest on the VNet is a warning', () => {
    assert.deepEqual(conflicts(zone('meshzone'), vnet('mesh'), bridge('172.16.100.1/24')), [
      'VNet/mesh spec.subnets[0].gateway: 172.16.100.1 on host:pve is also claimed by Bridge/lan (spec.cidr)',
    ]);
    assert.deepEqual(conflicts(zone('meshzone'), vnet('mesh'), ct('172.16.100.1/24')), [
      'AppContainer/stepca spec.network.ip: 172.16.100.1 on pve/mesh is also claimed by VNet/mesh (spec.subnets[0].gateway)',
    ]);
    assert.deepEqual(conflicts(zone('meshzone'), vnet('mesh'), ct('172.16.100.20/24')), []);
  });

  test('pxr validate prints the name error and exits 1', async () => {
    const d = mkdtempSync(join(dir, 'm-'));
    writeFileSync(join(d, 'mesh.yaml'), `${zone('meshzone')}---\n${vnet('service-mesh')}`);
    const r = await runCli(['validate', d], dir);
    assert.equal(r.code, 1, r.out + r.err);
    assert.match(
      r.out + r.err,
      /mesh\.yaml:\d+:\d+: VNet\/service-mesh metadata\.name: .*try 'servicem'/,
    );
  });
});

describe('a vlan zone and its bridge', () => {
  const bridgeObj = (ready: boolean): ObjectReader => ({
    get: () => undefined,
    list: (kind) =>
      kind === 'Bridge'
        ? [{ kind: 'Bridge', name: 'uplink', spec: { node: 'pve', iface: 'vmbr0' } } as never]
        : [],
    getStatus: () => ({ ready, observedGeneration: 1, conditions: [], observed: {} }),
  });
  const zoneObj = (type: 'vlan' | 'simple'): StoredObject<SdnZoneSpec> =>
    ({ kind: 'SdnZone', name: 'vz', spec: { type, bridge: 'vmbr0' } }) as never;
  const world = { zones: new Map(), vnets: new Map(), subnets: new Map() };

  test('waits for a Bridge pxr manages until it is Ready; a simple zone never waits', () => {
    const ctx = (r: boolean): PlanContext => bridgeObj(r) as never;
    assert.equal(
      zoneOps.waitingOf!(zoneObj('vlan'), world, ctx(false)),
      'waiting for Bridge/uplink (vmbr0) to be Ready',
    );
    assert.equal(zoneOps.waitingOf!(zoneObj('vlan'), world, ctx(true)), undefined);
    assert.equal(zoneOps.waitingOf!(zoneObj('simple'), world, ctx(false)), undefined);
  });
});
