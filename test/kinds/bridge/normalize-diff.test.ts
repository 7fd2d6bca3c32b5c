import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  canonicalCidr,
  normalizeComment,
  normalizeObserved,
  normalizePorts,
  normalizeSpec,
  normalizeVids,
} from '../../../src/kinds/bridge/normalize.js';
import { describeChange, diffBridge } from '../../../src/kinds/bridge/diff.js';
import type { BridgeSpecInput as BridgeSpec } from '../../../src/kinds/bridge/spec.js';

describe('bridge normalisation', () => {
  const cidrs: [string | undefined, string | undefined, string | undefined, string][] = [
    ['10.0.0.1/24', undefined, undefined, '10.0.0.1/24'],
    ['010.000.000.001/024', undefined, undefined, '10.0.0.1/24'],
    [undefined, '192.168.100.10', '24', '192.168.100.10/24'],
    [undefined, '192.168.100.10', '255.255.255.0', '192.168.100.10/24'],
    [undefined, '10.1.2.3', '255.255.0.0', '10.1.2.3/16'],
    [undefined, undefined, undefined, ''],
    ['', '', undefined, ''],
  ];
  for (const [cidr, address, netmask, want] of cidrs) {
    test(`cidr=${cidr} address=${address} netmask=${netmask} is ${JSON.stringify(want)}`, () => {
      assert.equal(canonicalCidr(cidr, address, netmask), want);
    });
  }

  test('ports are sorted, de-duplicated and space-joined; none/empty is ""', () => {
    assert.equal(normalizePorts(['eno2', 'eno1', 'eno2']), 'eno1 eno2');
    assert.equal(normalizePorts('eno3 eno1'), 'eno1 eno3');
    assert.equal(normalizePorts(''), '');
    assert.equal(normalizePorts('none'), '');
    assert.equal(normalizePorts(undefined), '');
  });

  test('vids accept spaces, commas and lists; comments lose trailing newlines', () => {
    assert.equal(normalizeVids('2 4,100-200'), '2 4 100-200');
    assert.equal(normalizeVids([10, '20-30']), '10 20-30');
    assert.equal(normalizeComment('uplink LAN\n'), 'uplink LAN');
    assert.equal(normalizeComment('  two\nlines  \n'), 'two\nlines');
  });

  test('spec defaults: autostart on, VLAN-unaware, vids 2-4094 once VLAN-aware', () => {
    assert.deepEqual(normalizeSpec({ node: 'pve', iface: 'vmbr1' }), {
      iface: 'vmbr1',
      type: 'bridge',
      vlan_raw_device: '',
      vlan_id: '',
      bridge_ports: '',
      cidr: '',
      gateway: '',
      bridge_vlan_aware: 0,
      bridge_vids: '',
      mtu: null,
      autostart: 1,
      comments: '',
    });
    assert.equal(
      normalizeSpec({ node: 'pve', iface: 'vmbr1', vlanAware: true }).bridge_vids,
      '2-4094',
    );
  });

  test('observed read form (strings from the file, 0/1, absent keys) normalises to the same shape', () => {
    const got = normalizeObserved({
      iface: 'vmbr1',
      type: 'bridge',
      address: '10.10.0.1',
      netmask: '24',
      cidr: '10.10.0.1/24',
      bridge_ports: 'eno3 eno2',
      bridge_vlan_aware: 1,
      mtu: '9000',
      autostart: 1,
      comments: 'lab\n',
    });
    const want = normalizeSpec({
      node: 'pve',
      iface: 'vmbr1',
      ports: ['eno2', 'eno3'],
      cidr: '10.10.0.1/24',
      vlanAware: true,
      mtu: 9000,
      comment: 'lab',
    });
    assert.deepEqual(got, want);
    assert.equal(diffBridge(want, got), undefined);
  });
});

describe('bridge diff', () => {
  const spec = (s: Partial<BridgeSpec> = {}): BridgeSpec => ({
    node: 'pve',
    iface: 'vmbr1',
    ports: ['eno2'],
    cidr: '10.10.0.1/24',
    comment: 'lab',
    ...s,
  });
  const observed = normalizeSpec(spec());

  const table: {
    name: string;
    desired: BridgeSpec | undefined;
    actualPresent: boolean;
    op: string | undefined;
    fields: string[];
    params: Record<string, unknown> | undefined;
  }[] = [
    {
      name: 'absent bridge -> create with every desired parameter',
      desired: spec({ mtu: 9000 }),
      actualPresent: false,
      op: 'create',
      fields: ['bridge_ports', 'cidr', 'mtu', 'autostart', 'comments'],
      params: {
        type: 'bridge',
        autostart: 1,
        bridge_ports: 'eno2',
        cidr: '10.10.0.1/24',
        mtu: 9000,
        comments: 'lab',
      },
    },
    {
      name: 'converged bridge -> no change',
      desired: spec(),
      actualPresent: true,
      op: undefined,
      fields: [],
      params: undefined,
    },
    {
      name: 'a new port -> update that still sends cidr (else Proxmox switches to inet manual)',
      desired: spec({ ports: ['eno3', 'eno2'] }),
      actualPresent: true,
      op: 'update',
      fields: ['bridge_ports'],
      params: {
        type: 'bridge',
        autostart: 1,
        bridge_ports: 'eno2 eno3',
        cidr: '10.10.0.1/24',
        comments: 'lab',
      },
    },
    {
      name: 'removed cidr and comment -> delete=cidr,comments',
      desired: (() => {
        const { cidr: _c, comment: _m, ...rest } = spec({});
        return rest;
      })(),
      actualPresent: true,
      op: 'update',
      fields: ['cidr', 'comments'],
      params: { type: 'bridge', autostart: 1, bridge_ports: 'eno2', delete: 'cidr,comments' },
    },
    {
      name: 'VLAN awareness on -> vids default 2-4094 sent',
      desired: spec({ vlanAware: true }),
      actualPresent: true,
      op: 'update',
      fields: ['bridge_vlan_aware', 'bridge_vids'],
      params: {
        type: 'bridge',
        autostart: 1,
        bridge_ports: 'eno2',
        cidr: '10.10.0.1/24',
        comments: 'lab',
        bridge_vlan_aware: 1,
        bridge_vids: '2-4094',
      },
    },
    {
      name: 'autostart off is sent as 0',
      desired: spec({ autostart: false }),
      actualPresent: true,
      op: 'update',
      fields: ['autostart'],
      params: {
        type: 'bridge',
        autostart: 0,
        bridge_ports: 'eno2',
        cidr: '10.10.0.1/24',
        comments: 'lab',
      },
    },
    {
      name: 'no desired state -> delete',
      desired: undefined,
      actualPresent: true,
      op: 'delete',
      fields: [],
      params: { type: 'bridge' },
    },
  ];
  for (const row of table) {
    test(row.name, () => {
      const c = diffBridge(
        row.desired && normalizeSpec(row.desired),
        row.actualPresent ? observed : undefined,
      );
      assert.equal(c?.op, row.op);
      assert.deepEqual(c?.fields.map((f) => f.field) ?? [], row.fields);
      assert.deepEqual(c?.params, row.params);
    });
  }

  test('VLAN awareness off is a delete of the flag and of the stale vids', () => {
    const aware = normalizeObserved({
      iface: 'vmbr1',
      type: 'bridge',
      bridge_vlan_aware: 1,
      bridge_vids: '10 20',
      autostart: 1,
    });
    const c = diffBridge(normalizeSpec({ node: 'pve', iface: 'vmbr1' }), aware);
    assert.equal(c?.params.delete, 'bridge_vlan_aware,bridge_vids');
    assert.equal(c?.params.bridge_vlan_aware, undefined);
  });

  test('changes describe themselves field by field', () => {
    const c = diffBridge(normalizeSpec(spec({ mtu: 9000 })), observed)!;
    assert.equal(describeChange(c), 'update vmbr1 (mtu: (unset) -> 9000)');
  });
});
