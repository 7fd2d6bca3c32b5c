/**
 * Address conflicts across documents (issue 13): warnings in `pxr validate` and a Warning event on
 * both objects in the controller; never an error.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kindDefinitions } from '../../src/kinds/registry.js';
import { ManifestValidator } from '../../src/source/validate.js';
import { addressConflicts, conflictMessage } from '../../src/source/address-conflicts.js';
import { runCli } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait.js';
import { startHarness } from '../e2e/harness.js';

const kinds = kindDefinitions();
const validator = new ManifestValidator(kinds);
const TEMPLATE = 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst';

const bridge = (name: string, iface: string, cidr: string, node = 'pve'): string =>
  `apiVersion: pxr/v1alpha1\nkind: Bridge\nmetadata: { name: ${name} }\nspec: { node: ${node}, iface: ${iface}, cidr: ${cidr} }\n`;
const ct = (name: string, network: string): string =>
  `apiVersion: pxr/v1alpha1\nkind: AppContainer\nmetadata: { name: ${name} }\nspec:\n  node: pve\n  template: ${TEMPLATE}\n  network: ${network}\n`;
const appliance = `apiVersion: pxr/v1alpha1
kind: Appliance
metadata: { name: gw }
spec:
  node: pve
  template: ${TEMPLATE}
  wan: { bridge: vmbr0, ip: dhcp }
  lan: { bridge: vmbr10, cidr: 10.20.0.1/24 }
  dhcp: { range: { start: 10.20.0.100, end: 10.20.0.199 } }
  dns: { domain: prox.local }
  access: { transport: simulated }
`;

function conflicts(...texts: string[]): string[] {
  const r = validator.validate(texts.map((t, i) => validator.parse(`f${i}.yaml`, t)));
  assert.deepEqual(r.issues, []);
  return addressConflicts(r.docs, kinds).map(
    (c) => `${c.other.kind}/${c.other.name} ${c.other.field}: ${conflictMessage(c, 'other')}`,
  );
}

describe('address conflicts', () => {
  test('a bridge and an appliance LAN at one address on one bridge', () => {
    assert.deepEqual(conflicts(bridge('lan', 'vmbr10', '10.20.0.1/24'), appliance), [
      'Appliance/gw spec.lan.cidr: 10.20.0.1 on pve/vmbr10 is also claimed by Bridge/lan (spec.cidr)',
    ]);
  });

  test("two members with one static address, and a member at the appliance's own address", () => {
    assert.deepEqual(
      conflicts(
        appliance,
        ct('a', '{ appliance: gw, ip: 10.20.0.50/24 }'),
        ct('b', '{ appliance: gw, ip: 10.20.0.50/24 }'),
        ct('c', '{ appliance: gw, ip: 10.20.0.1/24 }'),
      ),
      [
        'AppContainer/b spec.network.ip: 10.20.0.50 on pve/vmbr10 is also claimed by AppContainer/a (spec.network.ip)',
        'AppContainer/c spec.network.ip: 10.20.0.1 on pve/vmbr10 is also claimed by Appliance/gw (spec.lan.cidr)',
      ],
    );
  });

  test('a container at its bridge’s host address', () => {
    assert.equal(
      conflicts(
        bridge('lab', 'vmbr7', '10.7.0.1/24'),
        ct('web', '{ bridge: vmbr7, ip: 10.7.0.1/24 }'),
      ).length,
      1,
    );
  });

  test('one address on two isolated bridges, or on two nodes, is no conflict; nor is dhcp', () => {
    assert.deepEqual(
      conflicts(
        bridge('a', 'vmbr1', '10.0.0.1/24'),
        bridge('b', 'vmbr2', '10.0.0.1/24'),
        bridge('c', 'vmbr1', '10.0.0.1/24', 'pve2'),
        ct('d', '{ bridge: vmbr1, ip: dhcp }'),
        ct('e', '{ bridge: vmbr1 }'),
      ),
      [],
    );
  });

  test('every NIC of a container claims its address; a VLAN tag is another segment', () => {
    const multi = (name: string, nics: string): string =>
      `apiVersion: pxr/v1alpha1\nkind: AppContainer\nmetadata: { name: ${name} }\nspec:\n  node: pve\n  template: ${TEMPLATE}\n  networks: ${nics}\n`;
    assert.deepEqual(
      conflicts(
        bridge('mesh', 'vmbr100', '172.16.100.1/24'),
        multi('gw', '[{ bridge: vmbr0, vlan: 20 }, { bridge: vmbr100, ip: 172.16.100.1/24 }]'),
        multi('tagged', '[{ bridge: vmbr100, vlan: 30, ip: 172.16.100.1/24 }]'),
      ),
      [
        'AppContainer/gw spec.networks[1].ip: 172.16.100.1 on pve/vmbr100 is also claimed by Bridge/mesh (spec.cidr)',
      ],
    );
  });

  test('pxr validate prints them as located warnings and exits 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pxr-conflict-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(
      join(dir, 'net.yaml'),
      `${bridge('lan', 'vmbr10', '10.20.0.1/24')}---\n${appliance}`,
    );
    const r = await runCli(['validate', dir], dir);
    assert.equal(r.code, 0, r.err);
    assert.match(
      r.out,
      /net\.yaml:1:1: warning: Bridge\/lan spec\.cidr: 10\.20\.0\.1 on pve\/vmbr10 is also claimed by Appliance\/gw \(spec\.lan\.cidr\)/,
    );
    assert.match(r.out, /net\.yaml:\d+:1: warning: Appliance\/gw spec\.lan\.cidr: .* Bridge\/lan/);
  });

  test('the controller records one AddressConflict event on each object', async () => {
    const h = await startHarness({
      files: {
        'net.yaml': `${bridge('lab', 'vmbr7', '10.7.0.1/24')}---\n${ct('web', '{ bridge: vmbr7, ip: 10.7.0.1/24 }')}`,
      },
    });
    after(() => h.close());
    const conflictsOf = (kind: string, name: string): number =>
      h.app.store.events.list({ ref: { kind, name } }).filter((e) => e.reason === 'AddressConflict')
        .length;
    await waitFor(
      'both events',
      () => conflictsOf('Bridge', 'lab') + conflictsOf('AppContainer', 'web') === 2,
    );
    // A re-read of the same folder says nothing new.
    h.write('other.yaml', bridge('other', 'vmbr8', '10.8.0.1/24'));
    await waitFor(
      'the new file ingested',
      () => h.app.store.objects.get({ kind: 'Bridge', name: 'other' }) !== undefined,
    );
    assert.equal(conflictsOf('Bridge', 'lab'), 1);
    const ev = h.app.store.events.list({ ref: { kind: 'Bridge', name: 'lab' } });
    assert.equal(ev.find((e) => e.reason === 'AddressConflict')?.count, 1);
  });
});
