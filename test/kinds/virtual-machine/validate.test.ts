/**
 * VirtualMachine manifests through the real validator: the demo's VMs are valid, defaults are
 * applied, and mistakes are located (file, line, field) with a message that says how to fix them.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { kindDefinitions } from '../../../src/kinds/registry.js';
import { ManifestValidator } from '../../../src/source/validate.js';
import { addressConflicts } from '../../../src/source/address-conflicts.js';
import { resolveVm, type VirtualMachineSpec } from '../../../src/kinds/virtual-machine/spec.js';

const validator = new ManifestValidator(kindDefinitions());

function check(spec: string): ReturnType<ManifestValidator['validate']> {
  const text = `apiVersion: pxr/v1alpha1\nkind: VirtualMachine\nmetadata:\n  name: vm\nspec:\n  node: pve\n${spec}`;
  return validator.validate([validator.parse('vm.yaml', text)]);
}

const NET = '  networks: [{ bridge: vmbr1 }]\n';

describe('VirtualMachine validation', () => {
  test('the demo manifests are valid', async () => {
    const file = 'manifests/host/vms.yaml';
    const text = await readFile(new URL(`../../../${file}`, import.meta.url), 'utf8');
    const r = validator.validate([validator.parse(file, text)]);
    assert.deepEqual(r.issues, []);
    assert.equal(r.docs.length, 3);
  });

  test('defaults are applied to a minimal spec', () => {
    const r = check(`  source: { image: local:import/x.qcow2 }\n${NET}`);
    assert.deepEqual(r.issues, []);
    const spec = r.docs[0]?.spec ?? {};
    assert.equal(spec['memory'], 2048);
    // The default disk list is pxr's (resolveVm), not the schema's: a clone has none.
    assert.equal(spec['disks'], undefined);
    const disks = resolveVm(spec as unknown as VirtualMachineSpec, 'vm').disks;
    assert.deepEqual(disks, [{ key: 'scsi0', sizeGb: 8, storage: 'local-lvm' }]);
    const clone = { ...spec, source: { clone: { template: 9000 } } };
    assert.deepEqual(resolveVm(clone as unknown as VirtualMachineSpec, 'vm').disks, []);
    assert.deepEqual(spec['networks'], [
      { bridge: 'vmbr1', ip: 'dhcp', firewall: false, model: 'virtio' },
    ]);
    assert.equal(spec['state'], 'running');
  });

  test('a VM static address conflicting with a container on the same bridge is located', () => {
    const vmText = `apiVersion: pxr/v1alpha1\nkind: VirtualMachine\nmetadata:\n  name: vm\nspec:\n  node: pve\n  source: { image: local:import/x.qcow2 }\n  networks: [{ bridge: vmbr1, ip: 10.0.0.5/24 }]\n`;
    const ctText = `apiVersion: pxr/v1alpha1\nkind: AppContainer\nmetadata:\n  name: ct\nspec:\n  node: pve\n  template: local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst\n  networks: [{ bridge: vmbr1, ip: 10.0.0.5/24 }]\n`;
    const r = validator.validate([
      validator.parse('vm.yaml', vmText),
      validator.parse('ct.yaml', ctText),
    ]);
    assert.deepEqual(r.issues, []);
    const found = addressConflicts(r.docs, kindDefinitions());
    assert.equal(found.length, 1, JSON.stringify(found));
    assert.match(JSON.stringify(found[0]), /10\.0\.0\.5/);
    assert.match(JSON.stringify(found[0]), /networks\[0\]\.ip/);
  });

  test('mtu 1 (the bridge MTU) is valid for a VM NIC', () => {
    const r = check(
      `  source: { image: local:import/x.qcow2 }\n  networks: [{ bridge: vmbr1, mtu: 1 }]\n`,
    );
    assert.deepEqual(r.issues, []);
  });

  test('mistakes are located with a message that says what to do', () => {
    const cases: [string, string, RegExp][] = [
      [`  source: {}\n${NET}`, 'spec.source', /set source.image .* or source.clone/],
      [
        `  source: { image: local:import/x.qcow2, clone: { template: 9000 } }\n${NET}`,
        'spec.source',
        /not both/,
      ],
      [
        `  source: { image: 'https://example.org/x.qcow2' }\n${NET}`,
        'spec.source.checksum',
        /needs its checksum/,
      ],
      [
        `  source: { image: local:import/x.qcow2 }\n  networks: [{ ip: 10.0.0.5/24 }]\n`,
        'spec.networks[0]',
        /bridge .* or .*appliance/,
      ],
      [
        `  source: { image: local:import/x.qcow2 }\n  networks: [{ bridge: vmbr1, gateway: 10.0.0.1 }]\n`,
        'spec.networks[0].gateway',
        /only applies to a static ip/,
      ],
      [
        `  source: { image: local:import/x.qcow2 }\n${NET}  memory: 1024\n  balloon: 2048\n`,
        'spec.balloon',
        /cannot exceed memory/,
      ],
      [
        `  source: { image: local:import/x.qcow2 }\n${NET}  disks: [{ size: 4, bus: virtio, ssd: true }]\n`,
        'spec.disks[0].ssd',
        /use bus: scsi/,
      ],
      [
        `  source: { image: local:import/x.qcow2 }\n  networks: [{ bridge: vmbr1 }, { bridge: vmbr2, ip: none }]\n  cloudInit: { user: ops }\n`,
        'spec.networks[1].ip',
        /cloud-init: Proxmox configures a NIC without ipconfig by DHCP/,
      ],
      [
        `  source: { image: local:import/x.qcow2 }\n  networks: [{ bridge: vmbr1, mtu: 100 }]\n`,
        'spec.networks[0].mtu',
        /576–65520, or 1/,
      ],
    ];
    for (const [spec, field, message] of cases) {
      const issues = check(spec).issues;
      const hit = issues.find((i) => i.field === field);
      assert.ok(hit, `${field}: ${JSON.stringify(issues)}`);
      assert.match(hit.message, message);
      assert.equal(hit.file, 'vm.yaml');
      assert.ok(hit.line > 0);
    }
  });
});
