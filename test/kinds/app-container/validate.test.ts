/**
 * AppContainer manifests through the real validator (schema with defaults + semantic checks): the
 * checked-in examples are valid, defaults are applied, and mistakes are located with a useful
 * message before anything reaches Proxmox.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { kindDefinitions } from '../../../src/kinds/registry.js';
import { ManifestValidator } from '../../../src/source/validate.js';

const validator = new ManifestValidator(kindDefinitions());

function check(spec: string): ReturnType<ManifestValidator['validate']> {
  const text = `apiVersion: pxr/v1alpha1\nkind: AppContainer\nmetadata:\n  name: app\nspec:\n${spec}`;
  return validator.validate([validator.parse('ct.yaml', text)]);
}

const BASE = '  node: pve\n  template: local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst\n';

describe('AppContainer validation', () => {
  test('the example manifests are valid', async () => {
    for (const file of [
      'manifests/app-lan/containers.yaml',
      'manifests/personal/containers.yaml',
    ]) {
      const text = await readFile(new URL(`../../../${file}`, import.meta.url), 'utf8');
      const r = validator.validate([validator.parse(file, text)]);
      assert.deepEqual(r.issues, [], file);
      assert.ok(r.docs.length >= 2);
    }
  });

  test('a NIC may name a bridge made by hand that the network API would not create', () => {
    for (const bridge of ['proximity-lan', 'br.lan_2', 'vmbr0']) {
      assert.deepEqual(check(`${BASE}  network: { bridge: ${bridge} }\n`).issues, [], bridge);
    }
  });

  test('defaults are applied to a minimal spec', () => {
    const r = check(`${BASE}  network: { bridge: vmbr1 }\n`);
    assert.deepEqual(r.issues, []);
    const spec = r.docs[0]!.spec;
    assert.equal(spec['state'], 'running');
    assert.equal(spec['unprivileged'], true);
    assert.deepEqual(spec['resources'], {
      cores: 1,
      memory: 512,
      swap: 512,
      disk: { size: 8, storage: 'local-lvm' },
    });
    assert.deepEqual(spec['network'], { bridge: 'vmbr1', ip: 'dhcp', firewall: false });
  });

  const bad: [string, string, RegExp][] = [
    ['  network: { ip: dhcp }\n', 'spec.network', /set network\.bridge/],
    // A bridge made by hand may have a name the network API would refuse (`proximity-lan` is fine
    // on a NIC); what no NIC accepts is refused, with a suggestion.
    ['  network: { bridge: "lan/x" }\n', 'spec.network.bridge', /./],
    ['  network: { bridge: proximity-lan-bridge }\n', 'spec.network.bridge', /at most 15/],
    [
      '  network: { bridge: vmbr1, ip: 10.0.0.5/24, gateway: 10.9.0.1 }\n',
      'spec.network.gateway',
      /./,
    ],
    [
      '  network: { bridge: vmbr1, gateway: 10.0.0.1 }\n',
      'spec.network.gateway',
      /only applies to a static ip/,
    ],
    [
      '  network: { bridge: vmbr1 }\n  mountPoints: [{ path: /d, size: 1 }, { path: /d, size: 2 }]\n',
      'spec.mountPoints[1].path',
      /mounted twice/,
    ],
    [
      '  network: { bridge: vmbr1 }\n  auth: { sshPublicKeys: [hunter2] }\n',
      'spec.auth.sshPublicKeys[0]',
      /not an SSH public key/,
    ],
  ];
  for (const [spec, field, msg] of bad) {
    test(`${field} is reported (${spec.trim()})`, () => {
      const r = check(BASE + spec);
      const issue = r.issues.find((i) => i.field === field);
      assert.ok(issue, `issues: ${JSON.stringify(r.issues)}`);
      assert.match(issue.message, msg);
    });
  }

  test('networks: the mesh gateway (two NICs, one default gateway) is valid', () => {
    const r = check(
      `${BASE}  networks:\n    - { bridge: vmbr0, vlan: 20 }\n    - { bridge: vmbr100, ip: 172.16.100.10/24 }\n  nicPolicy: authoritative\n`,
    );
    assert.deepEqual(r.issues, []);
    assert.deepEqual(r.docs[0]?.spec['networks'], [
      { bridge: 'vmbr0', vlan: 20, ip: 'dhcp', firewall: false },
      { bridge: 'vmbr100', ip: '172.16.100.10/24', firewall: false },
    ]);
  });

  test('a gateway on two NICs is refused at the second one, with its line', () => {
    const r = check(
      `${BASE}  networks:\n    - { bridge: vmbr0, ip: 10.0.20.7/24, gateway: 10.0.20.1 }\n    - { bridge: vmbr100, ip: 172.16.100.10/24, gateway: 172.16.100.1 }\n`,
    );
    const issue = r.issues.find((i) => i.field === 'spec.networks[1].gateway');
    assert.ok(issue, `issues: ${JSON.stringify(r.issues)}`);
    assert.match(
      issue.message,
      /only one NIC can carry the default gateway \(networks\[0\]\.gateway/,
    );
    assert.equal(issue.file, 'ct.yaml');
    assert.equal(issue.line, 10);
  });

  test('network and networks together are refused, with its line', () => {
    const r = check(`${BASE}  network: { bridge: vmbr1 }\n  networks:\n    - { bridge: vmbr1 }\n`);
    const issue = r.issues.find((i) => i.field === 'spec.networks');
    assert.ok(issue, `issues: ${JSON.stringify(r.issues)}`);
    assert.match(issue.message, /either network .* or networks/);
    assert.equal(issue.line, 10);
  });

  test('neither network nor networks, and two appliance NICs, are refused', () => {
    const none = check(BASE);
    assert.ok(
      none.issues.some((i) => i.field === 'spec.network' && /networks/.test(i.message)),
      JSON.stringify(none.issues),
    );
    const two = check(`${BASE}  networks:\n    - { appliance: gw }\n    - { appliance: gw2 }\n`);
    assert.ok(
      two.issues.some((i) => i.field === 'spec.networks[1].appliance'),
      JSON.stringify(two.issues),
    );
  });
});
