/**
 * A VM on an Appliance LAN: the appliance lists it as a member (host name, MAC, reserved address) beside
 * AppContainers, keyed `VirtualMachine/<name>`; the VM's NIC goes on the LAN bridge with the
 * uid-derived member MAC and `ip=dhcp`, and its status carries the DNS name.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { StoredObject } from '../../../src/core/kind.js';
import { buildModel, selectMembers } from '../../../src/kinds/appliance/members.js';
import { resolveAppliance, type ApplianceSpec } from '../../../src/kinds/appliance/spec.js';
import { memberMac } from '../../../src/kinds/app-container/appliance-join.js';
import { vm, vmRig, type VmRig } from './harness.js';

const APPLIANCE: ApplianceSpec = {
  node: 'pve',
  template: 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst',
  wan: { bridge: 'vmbr1' },
  lan: { bridge: 'vmbr10', cidr: '10.20.0.1/24' },
  dhcp: { range: { start: '10.20.0.100', end: '10.20.0.199' } },
  dns: { domain: 'prox.local' },
  access: { transport: 'simulated' },
};

function gw(): StoredObject {
  return {
    kind: 'Appliance',
    name: 'gw',
    uid: 'uid-gw',
    generation: 1,
    specHash: 'h',
    spec: APPLIANCE,
    labels: {},
    annotations: {},
    sourceFile: 'gw.yaml',
    deletionRequested: false,
    finalizers: [],
  };
}

describe('VirtualMachine on an Appliance LAN', () => {
  test('the appliance renders a member VM: host name, MAC, reserved address', () => {
    const db = vm('DB.example', {
      networks: [{ bridge: 'vmbr1' }, { appliance: 'gw', ip: '10.20.0.40/24' }],
      expose: [{ host: 'db.prox.local', port: 8080 }],
    });
    const other = vm('elsewhere', { networks: [{ bridge: 'vmbr1' }] });
    const members = selectMembers('gw', [db, other]);
    assert.deepEqual(
      members.map((m) => m.name),
      ['DB.example'],
    );
    const m = buildModel(gw(), resolveAppliance(APPLIANCE), [
      { obj: members[0]!, status: undefined },
    ]);
    assert.deepEqual(m.desired.hosts, [
      {
        hostname: 'db',
        mac: memberMac(db.uid).toLowerCase(),
        ip: '10.20.0.40',
        expose: [{ host: 'db.prox.local', port: 8080 }],
      },
    ]);
    assert.deepEqual(Object.keys(m.members), ['VirtualMachine/DB.example']);
  });

  describe('the VM side', () => {
    let r: VmRig;
    before(async () => {
      r = await vmRig();
    });
    after(async () => r?.close());

    test('the NIC goes on the LAN bridge with the member MAC and dhcp; status has the DNS name', async () => {
      r.h.status.set('gw', { observed: {}, conditions: [], ready: true });
      const listObjects = r.h.listObjects.bind(r.h);
      r.h.listObjects = (kind) => (kind === 'Appliance' ? [gw()] : listObjects(kind));
      const o = vm('web', {
        networks: [{ appliance: 'gw' }],
        cloudInit: { user: 'ops' },
        expose: [{ host: 'web.prox.local', port: 80, pathPrefix: '/blog' }],
      });
      await r.h.converge(o);
      const conf = r.sim(r.vmid('web'))?.config ?? {};
      assert.equal(conf['net0'], `virtio=${memberMac(o.uid)},bridge=vmbr10`);
      assert.equal(conf['ipconfig0'], 'ip=dhcp');
      assert.equal(r.h.status.get('web')?.observed['dnsName'], 'web.prox.local');
      assert.deepEqual(r.h.status.get('web')?.observed['urls'], ['http://web.prox.local/blog']);
    });
  });
});
