// node:test tracks the promises of describe/test itself; awaiting them would serialise nothing.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createIface, deleteIface, updateIface } from '../../src/sim/network/edits.js';
import { seedNodeNetwork } from '../../src/sim/network/seed.js';
import type { NetIfaces } from '../../src/sim/network/state.js';
import { PveError } from '../../src/sim/types.js';

const seeded = (): NetIfaces =>
  seedNodeNetwork({ node: 'pve', ip: '192.168.100.11', cidrBits: 24, gateway: '192.168.100.1' })
    .active;

function paramErrors(fn: () => unknown): Record<string, string> | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof PveError && e.status === 400) return e.errors;
    throw e;
  }
  assert.fail('expected a 400 parameter error');
}

describe('network edits', () => {
  const ERRORS: { name: string; run: (c: NetIfaces) => unknown; errors: Record<string, string> }[] =
    [
      {
        name: 'create an existing interface',
        run: (c) => createIface(c, 'vmbr0', { type: 'bridge' }),
        errors: { iface: 'interface already exists' },
      },
      {
        name: 'create a second default gateway',
        run: (c) =>
          createIface(c, 'vmbr1', { type: 'bridge', cidr: '10.0.0.2/24', gateway: '10.0.0.1' }),
        errors: { gateway: "Default gateway already exists on interface 'vmbr0'." },
      },
      {
        name: 'create a bridge on a port another bridge uses',
        run: (c) => createIface(c, 'vmbr1', { type: 'bridge', bridge_ports: 'eno2 eno1' }),
        errors: { bridge_ports: "eno1 is already used on interface 'vmbr0'." },
      },
      {
        name: 'create with both cidr and address',
        run: (c) =>
          createIface(c, 'vmbr1', {
            type: 'bridge',
            cidr: '10.0.0.1/24',
            address: '10.0.0.1',
            netmask: '255.255.255.0',
          }),
        errors: { address: 'address conflicts with cidr' },
      },
      {
        name: 'update a missing interface',
        run: (c) => updateIface(c, 'vmbr7', { type: 'bridge' }, undefined),
        errors: { iface: 'interface does not exist' },
      },
      {
        name: 'update to take a port in use',
        run: (c) => updateIface(c, 'eno2', { type: 'bond', slaves: 'eno1' }, undefined),
        errors: { slaves: "eno1 is already used on interface 'vmbr0'." },
      },
      {
        name: 'delete a missing interface',
        run: (c) => deleteIface(c, 'vmbr7'),
        errors: { iface: 'interface does not exist' },
      },
    ];
  for (const c of ERRORS) {
    test(`400 with Proxmox's text: ${c.name}`, () => {
      assert.deepEqual(
        paramErrors(() => c.run(seeded())),
        c.errors,
      );
    });
  }

  test('create checks in Proxmox order: existence before gateway before ports before cidr', () => {
    const all = {
      type: 'bridge',
      gateway: '10.0.0.1',
      bridge_ports: 'eno1',
      cidr: '10.0.0.2/24',
      address: '10.0.0.2',
    };
    assert.deepEqual(
      paramErrors(() => createIface(seeded(), 'vmbr0', all)),
      { iface: 'interface already exists' },
    );
    assert.deepEqual(
      paramErrors(() => createIface(seeded(), 'vmbr1', all)),
      {
        gateway: "Default gateway already exists on interface 'vmbr0'.",
      },
    );
    const { gateway: _g, ...noGateway } = all;
    assert.deepEqual(
      paramErrors(() => createIface(seeded(), 'vmbr1', noGateway)),
      {
        bridge_ports: "eno1 is already used on interface 'vmbr0'.",
      },
    );
  });

  test('create maps cidr to address and prefix netmask, method static, family inet', () => {
    const d = createIface(seeded(), 'vmbr1', { type: 'bridge', cidr: '10.0.0.1/24' }).vmbr1;
    assert.equal(d?.address, '10.0.0.1');
    assert.equal(d?.netmask, '24');
    assert.equal(d?.cidr, undefined);
    assert.equal(d?.method, 'static');
    assert.equal(d?.method6, 'manual');
    assert.deepEqual(d?.families, ['inet']);
  });

  test('create without an address is method manual', () => {
    assert.equal(createIface(seeded(), 'vmbr1', { type: 'bridge' }).vmbr1?.method, 'manual');
  });

  test('create re-joins bridge_vids with spaces', () => {
    const d = createIface(seeded(), 'vmbr1', {
      type: 'bridge',
      bridge_vlan_aware: 1,
      bridge_vids: '10,20;30-40',
    }).vmbr1;
    assert.equal(d?.bridge_vids, '10 20 30-40');
  });

  test('create of an OVS type fails like a node without openvswitch', () => {
    assert.throws(
      () => createIface(seeded(), 'vmbr1', { type: 'OVSBridge' }),
      (e: unknown) =>
        e instanceof PveError &&
        e.status === 500 &&
        e.message === "Open VSwitch is not installed (need package 'openvswitch-switch')\n",
    );
  });

  test('update with delete=cidr removes address and netmask', () => {
    const d = updateIface(seeded(), 'vmbr0', { type: 'bridge' }, 'cidr,gateway').vmbr0;
    assert.equal(d?.address, undefined);
    assert.equal(d?.netmask, undefined);
    assert.equal(d?.gateway, undefined);
    assert.equal(d?.method, 'manual');
  });

  test('update derives method from the request only (an update without address says manual)', () => {
    const d = updateIface(seeded(), 'vmbr0', { type: 'bridge', comments: 'x' }, undefined).vmbr0;
    assert.equal(d?.method, 'manual');
    assert.equal(d?.cidr, '192.168.100.11/24', 'the stored address stays');
  });

  test('update may keep its own gateway and ports', () => {
    const d = updateIface(
      seeded(),
      'vmbr0',
      {
        type: 'bridge',
        cidr: '192.168.100.11/24',
        gateway: '192.168.100.254',
        bridge_ports: 'eno1',
      },
      undefined,
    ).vmbr0;
    assert.equal(d?.gateway, '192.168.100.254');
  });

  test('edits never modify their input', () => {
    const c = seeded();
    const before = structuredClone(c);
    createIface(c, 'vmbr1', { type: 'bridge' });
    updateIface(c, 'vmbr0', { type: 'bridge' }, 'cidr');
    deleteIface(c, 'vmbr0');
    assert.deepEqual(c, before);
  });
});
