/**
 * The pure parts, table-driven: Proxmox's re-printed values compare equal to what pxr sent, and
 * real differences turn into the right PUT keys, deletes, resizes, replacements and shrinks.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { diffConfig, planChanges } from '../../../src/kinds/app-container/diff.js';
import { descriptionWithMarker, markerOf } from '../../../src/kinds/app-container/marker.js';
import {
  canonicalValue,
  desiredConfig,
  desiredDisks,
  desiredNet,
  observedState,
  type ConfigKey,
} from '../../../src/kinds/app-container/normalize.js';
import { foldPending } from '../../../src/pve/lxc.js';
import { specAliases } from '../../../src/kinds/app-container/spec-names.js';
import { resolveSpec } from '../../../src/kinds/app-container/spec.js';
import { TEMPLATE } from './harness.js';

const UID = 'abc-123';
const spec = resolveSpec(
  {
    node: 'pve',
    template: TEMPLATE,
    network: { bridge: 'vmbr1', ip: '10.0.0.5/24', gateway: '10.0.0.1', firewall: true, mtu: 1400 },
    tags: ['Web', 'db'],
    description: 'notes  \n',
    features: { nesting: true },
    startup: { order: 2, up: 5 },
  },
  'web',
);

describe('canonical values: what Proxmox reads back equals what pxr sent', () => {
  const cases: [ConfigKey, string | number | undefined, string | number | undefined][] = [
    [
      'net0',
      'name=eth0,bridge=vmbr1,ip=dhcp',
      'name=eth0,bridge=vmbr1,hwaddr=BC:24:11:AA:BB:CC,ip=dhcp,type=veth',
    ],
    ['net0', 'bridge=vmbr1,name=eth0,firewall=0,ip=dhcp', 'name=eth0,bridge=vmbr1,ip=dhcp'],
    [
      'net0',
      'name=eth0,bridge=vmbr1,ip=dhcp,rate=10.0,mtu=01400',
      'name=eth0,bridge=vmbr1,ip=dhcp,mtu=1400,rate=10',
    ],
    ['tags', 'pxr;Web;db', 'db;pxr;web'],
    ['tags', 'web, pxr db', 'db;pxr;web'],
    ['description', 'a\nb', 'a\nb\n'],
    ['onboot', undefined, 0],
    ['onboot', 0, '0'],
    ['features', 'nesting=1,keyctl=0', 'nesting=1'],
    ['features', undefined, 'fuse=0'],
    ['startup', 'up=5,order=2', 'order=2,up=5'],
    ['nameserver', '1.1.1.1,8.8.8.8', '1.1.1.1 8.8.8.8'],
    ['memory', undefined, 512],
    ['cores', '2', 2],
  ];
  for (const [key, sent, readBack] of cases) {
    test(`${key}: ${JSON.stringify(sent)} ~ ${JSON.stringify(readBack)}`, () => {
      assert.equal(canonicalValue(key, sent), canonicalValue(key, readBack));
    });
  }
  test('a different value stays different', () => {
    assert.notEqual(
      canonicalValue('net0', 'name=eth0,bridge=vmbr1'),
      canonicalValue('net0', 'name=eth0,bridge=vmbr2'),
    );
    assert.notEqual(
      canonicalValue('features', 'nesting=1'),
      canonicalValue('features', 'nesting=0'),
    );
  });
  test('the MAC is compared only when pxr knows it', () => {
    const a = 'name=eth0,bridge=vmbr1,hwaddr=BC:24:11:00:00:01';
    const b = 'name=eth0,bridge=vmbr1,hwaddr=bc:24:11:00:00:02';
    assert.equal(canonicalValue('net0', a), canonicalValue('net0', b));
    assert.notEqual(canonicalValue('net0', a, true), canonicalValue('net0', b, true));
  });
});

describe('ownership marker', () => {
  test('the marker is the last line and is found again in what Proxmox reads back', () => {
    const d = descriptionWithMarker('hello\n\npxr:uid=old', UID);
    assert.equal(d, `hello\n\npxr:uid=${UID}`);
    assert.equal(markerOf(`${d.replace(/\n/g, '\n')}\n`), UID);
    assert.equal(markerOf('no marker here'), undefined);
  });
});

describe('planChanges', () => {
  const desired = {
    config: desiredConfig(spec, UID, (i) => (i === 0 ? 'BC:24:11:00:00:01' : undefined)),
    ...desiredDisks(spec),
    unprivileged: 1 as const,
  };
  const readBack = {
    hostname: 'web',
    cores: 1,
    memory: 512,
    swap: 512,
    net0: 'name=eth0,bridge=vmbr1,firewall=1,gw=10.0.0.1,hwaddr=BC:24:11:00:00:01,ip=10.0.0.5/24,mtu=1400,type=veth',
    features: 'nesting=1',
    onboot: 0,
    startup: 'order=2,up=5',
    tags: 'db;pxr;web',
    description: `notes\n\npxr:uid=${UID}\n`,
    rootfs: 'local-lvm:vm-100-disk-0,size=8G',
    unprivileged: 1,
  };

  test('the config Proxmox reads back after create is converged', () => {
    const plan = planChanges(desired, observedState(readBack, true));
    assert.deepEqual(plan.fields, []);
    assert.deepEqual(plan.set, {});
  });

  const table: {
    name: string;
    edit: Record<string, string | number | undefined>;
    set?: string[];
    del?: string[];
    resize?: string[];
    replace?: string[];
    shrink?: string[];
  }[] = [
    { name: 'cores changed', edit: { cores: 4 }, set: ['cores'] },
    {
      name: 'firewall off',
      edit: { net0: readBack.net0.replace('firewall=1,', '') },
      set: ['net0'],
    },
    { name: 'nameserver added by hand', edit: { nameserver: '9.9.9.9' }, del: ['nameserver'] },
    { name: 'startup removed by hand', edit: { startup: undefined }, set: ['startup'] },
    {
      name: 'rootfs grew in spec',
      edit: { rootfs: 'local-lvm:vm-100-disk-0,size=4G' },
      resize: ['rootfs'],
    },
    {
      name: 'rootfs bigger than spec',
      edit: { rootfs: 'local-lvm:vm-100-disk-0,size=16G' },
      shrink: ['rootfs.size'],
    },
    {
      name: 'rootfs on other storage',
      edit: { rootfs: 'other:vm-100-disk-0,size=8G' },
      replace: ['rootfs.storage'],
    },
    { name: 'privileged', edit: { unprivileged: undefined }, replace: ['unprivileged'] },
    {
      name: 'extra mount point',
      edit: { mp0: 'local-lvm:vm-100-disk-1,mp=/x,size=1G' },
      del: ['mp0'],
    },
  ];
  for (const t of table) {
    test(t.name, () => {
      const plan = planChanges(desired, observedState({ ...readBack, ...t.edit }, true), {
        net0: 'SENT',
      });
      assert.deepEqual(Object.keys(plan.set).sort(), t.set ?? []);
      assert.deepEqual(plan.delete, t.del ?? []);
      assert.deepEqual(
        plan.resizes.map((r) => r.disk),
        t.resize ?? [],
      );
      assert.deepEqual(
        plan.replace.map((r) => r.field),
        t.replace ?? [],
      );
      assert.deepEqual(
        plan.shrink.map((r) => r.field),
        t.shrink ?? [],
      );
      if (plan.set['net0'])
        assert.equal(plan.set['net0'], 'SENT', 'net0 is sent whole, with the MAC');
    });
  }

  test('net0 differences are named by sub-field', () => {
    const d = diffConfig(
      desired.config,
      observedState({ ...readBack, net0: readBack.net0.replace('vmbr1', 'vmbr9') }, true).config,
    );
    assert.deepEqual(d.fields, [{ field: 'net0.bridge', desired: 'vmbr1', actual: 'vmbr9' }]);
  });
});

describe('foldPending', () => {
  test('applied, effective and pending keys from one GET /pending', () => {
    const r = foldPending([
      { key: 'cores', value: 1, pending: 2 },
      { key: 'digest', value: 'abc' },
      { key: 'features', pending: 'nesting=1' },
      { key: 'nameserver', value: '1.1.1.1', delete: 1 },
      { key: 'memory', value: 512 },
    ]);
    assert.deepEqual(r.current, { cores: 1, nameserver: '1.1.1.1', memory: 512 });
    assert.deepEqual(r.effective, { cores: 2, features: 'nesting=1', memory: 512 });
    assert.deepEqual(r.pendingKeys, ['cores', 'features', 'nameserver']);
    assert.equal(r.digest, 'abc');
  });
});

describe('several NICs', () => {
  test('net{i} as sent: eth{i}, ip none sends no ip, a gateway only with a static ip', () => {
    assert.equal(
      desiredNet({ bridge: 'vmbr100', ip: 'none', firewall: false, mtu: 9000 }, 2),
      'name=eth2,bridge=vmbr100,mtu=9000',
    );
    assert.equal(
      desiredNet(
        {
          bridge: 'vmbr0',
          ip: '172.16.100.10/24',
          gateway: '172.16.100.1',
          firewall: true,
          vlan: 20,
        },
        1,
        'bc:24:11:00:00:02',
      ),
      'name=eth1,bridge=vmbr0,firewall=1,gw=172.16.100.1,hwaddr=BC:24:11:00:00:02,ip=172.16.100.10/24,tag=20',
    );
  });

  test('drift on net1 is named by its spec path for pxr/drift-ignore', () => {
    const list = { networks: [{}, {}] };
    assert.deepEqual(specAliases('net1.ip', list), ['networks[1].ip']);
    assert.deepEqual(specAliases('net1.tag', list), ['networks[1].vlan']);
    assert.deepEqual(specAliases('net2', list), ['networks[2]']);
    assert.deepEqual(specAliases('net0.gw', { network: {} }), ['network.gateway']);
    assert.equal(specAliases('net1.hwaddr', list), undefined);
  });

  test('a NIC only one side has is added or deleted as a whole', () => {
    const base = desiredConfig(spec, UID);
    const plan = diffConfig(
      { ...base, net1: 'name=eth1,bridge=vmbr10,ip=dhcp' },
      { ...base, net2: 'name=eth2,bridge=vmbr1' },
    );
    assert.deepEqual(
      plan.fields.map((f) => f.field),
      ['net1', 'net2'],
    );
    assert.deepEqual(plan.set, { net1: 'name=eth1,bridge=vmbr10,ip=dhcp' });
    assert.deepEqual(plan.delete, ['net2']);
  });
});
