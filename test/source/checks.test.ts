import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkCidrV4,
  checkDnsLabel,
  checkGatewayInCidr,
  checkIfaceName,
  parseVlanList,
  suggestIfaceName,
} from '../../src/source/checks.js';
import { validateBridge } from '../../src/kinds/bridge/validate.js';
import type { ManifestDoc } from '../../src/source/types.js';

describe('interface names', () => {
  const cases: [string, string | undefined][] = [
    ['vmbr0', undefined],
    ['vmbr0.100', undefined],
    ['lan_1', undefined],
    ['a1', undefined],
    ['proximity-lan', 'proximity_lan'],
    ['Proximity LAN', 'proximity_lan'],
    ['1lan', 'lan'],
    ['x', 'vmbr0'],
    ['a_very_long_interface_name', 'a_very_long_interfac'],
    ['br-0.5', 'br_0.5'],
  ];
  for (const [name, suggestion] of cases) {
    test(`'${name}' is ${suggestion === undefined ? 'valid' : `invalid and suggests '${suggestion}'`}`, () => {
      const msg = checkIfaceName(name);
      if (suggestion === undefined) return assert.equal(msg, undefined);
      assert.match(msg ?? '', new RegExp(`try '${suggestion.replace('.', '\\.')}'$`));
      assert.equal(
        checkIfaceName(suggestIfaceName(name)),
        undefined,
        'the suggestion itself is valid',
      );
    });
  }
});

describe('CIDR, gateway and DNS label checks', () => {
  test('CIDR validity with messages that say what is wrong', () => {
    assert.equal(checkCidrV4('10.0.0.1/24'), undefined);
    assert.equal(checkCidrV4('10.0.0.1/32'), undefined);
    assert.match(checkCidrV4('10.0.0.1') ?? '', /expected address\/prefix, e.g. '10.0.0.1\/24'/);
    assert.match(checkCidrV4('10.0.0.256/24') ?? '', /invalid CIDR/);
    assert.match(checkCidrV4('10.0.0.1/33') ?? '', /invalid CIDR/);
    assert.match(checkCidrV4('010.0.0.1/24') ?? '', /invalid CIDR/);
    assert.match(checkCidrV4('10.0.0.1/4') ?? '', /prefix lengths 8 to 32/);
  });

  test('gateway must be a usable host address of the subnet', () => {
    assert.equal(checkGatewayInCidr('10.0.0.254', '10.0.0.1/24'), undefined);
    assert.match(
      checkGatewayInCidr('10.0.1.1', '10.0.0.1/24') ?? '',
      /outside the bridge subnet 10.0.0.0\/24/,
    );
    assert.match(checkGatewayInCidr('10.0.0.1', '10.0.0.1/24') ?? '', /own address/);
    assert.match(checkGatewayInCidr('10.0.0.0', '10.0.0.1/24') ?? '', /network address/);
    assert.match(checkGatewayInCidr('10.0.0.255', '10.0.0.1/24') ?? '', /broadcast address/);
    assert.equal(checkGatewayInCidr('10.0.0.0', '10.0.0.1/31'), undefined);
  });

  test('DNS-1123 labels', () => {
    assert.equal(checkDnsLabel('nginx-01'), undefined);
    assert.match(checkDnsLabel('-x') ?? '', /not a DNS-1123 label/);
    assert.match(checkDnsLabel('a'.repeat(64)) ?? '', /longer than 63/);
  });
});

describe('VLAN lists', () => {
  const cases: [unknown, string[] | string][] = [
    ['2-4094', ['2-4094']],
    ['2 4 100-200', ['2-2', '4-4', '100-200']],
    ['10,20;30', ['10-10', '20-20', '30-30']],
    [
      [10, '20-30'],
      ['10-10', '20-30'],
    ],
    ['0', /VLAN ids are 1 to 4094/.source],
    ['5-5', /lower to higher/.source],
    ['abc', /invalid VLAN id or range 'abc'/.source],
    [[], /at least one/.source],
    [true, /must be a string/.source],
  ];
  for (const [value, want] of cases) {
    test(`${JSON.stringify(value)} → ${typeof want === 'string' ? 'error' : want.join(' ')}`, () => {
      const r = parseVlanList(value);
      if (typeof want === 'string') {
        assert.match(r.errors.map((e) => e.message).join('\n'), new RegExp(want));
      } else {
        assert.deepEqual(r.errors, []);
        assert.deepEqual(
          r.ranges.map((x) => `${x.from}-${x.to}`),
          want,
        );
      }
    });
  }
});

describe('Bridge semantic checks', () => {
  const doc = (spec: Record<string, unknown>): ManifestDoc => ({
    apiVersion: 'pxr/v1alpha1',
    kind: 'Bridge',
    name: 'lan',
    labels: {},
    annotations: {},
    spec: { node: 'pve', iface: 'vmbr1', ...spec },
    location: { file: 'x.yaml', line: 1, column: 1 },
  });
  const cases: [string, Record<string, unknown>, [string, RegExp][]][] = [
    [
      'a valid bridge has no issues',
      {
        ports: ['eno1'],
        cidr: '10.0.0.1/24',
        gateway: '10.0.0.254',
        vlanAware: true,
        vids: '2-4094',
        mtu: 9000,
      },
      [],
    ],
    [
      'ports must be unique',
      { ports: ['eno1', 'eno2', 'eno1'] },
      [['spec.ports[2]', /listed twice \(also ports\[0\]\)/]],
    ],
    [
      'a port cannot be the bridge itself',
      { ports: ['vmbr1'] },
      [['spec.ports[0]', /cannot be its own port/]],
    ],
    [
      'a port name is checked like an iface',
      { ports: ['en-o1'] },
      [['spec.ports[0]', /try 'en_o1'/]],
    ],
    ['an invalid cidr', { cidr: '10.0.0.0' }, [['spec.cidr', /expected address\/prefix/]]],
    ['a gateway needs a cidr', { gateway: '10.0.0.1' }, [['spec.gateway', /set cidr too/]]],
    [
      'a gateway outside the cidr',
      { cidr: '192.168.1.2/24', gateway: '192.168.2.1' },
      [['spec.gateway', /outside/]],
    ],
    ['vids only with vlanAware', { vids: '10' }, [['spec.vids', /VLAN-aware/]]],
    [
      'vids ranges 1..4094',
      { vlanAware: true, vids: ['1-4095'] },
      [['spec.vids[0]', /invalid VLAN tag '4095'/]],
    ],
    [
      'an alias name (vmbr1:1) is no interface of its own',
      { iface: 'vmbr1:1' },
      [['spec.iface', /alias interface; try 'vmbr1'/]],
    ],
    [
      'a dotted name is a VLAN interface: no ports, not VLAN-aware',
      { iface: 'vmbr1.10', ports: ['eno1'], vlanAware: true },
      [
        ['spec.ports', /'vmbr1.10' is a VLAN interface: it has no ports/],
        ['spec.vlanAware', /only a bridge can be VLAN-aware/],
      ],
    ],
    [
      'vlan: must agree with a dotted name',
      { iface: 'vmbr1.10', vlan: { device: 'vmbr0', id: 20 } },
      [
        ['spec.vlan.device', /'vmbr1.10' tags vmbr1, not vmbr0/],
        ['spec.vlan.id', /'vmbr1.10' carries VLAN 10, not 20/],
      ],
    ],
    ['a named VLAN interface', { iface: 'public', vlan: { device: 'vmbr0', id: 20 } }, []],
    [
      'a VLAN id outside 1..4094 in the name',
      { iface: 'vmbr1.4095' },
      [['spec.iface', /must be 1 to 4094/]],
    ],
    [
      'values of the wrong type are left to the schema',
      { ports: 'eno1', cidr: 5, gateway: [] },
      [],
    ],
  ];
  for (const [name, spec, want] of cases) {
    test(name, () => {
      const issues = validateBridge(doc(spec));
      assert.deepEqual(
        issues.map((i) => i.field),
        want.map(([f]) => f),
        JSON.stringify(issues),
      );
      issues.forEach((i, n) => assert.match(i.message, want[n]![1]));
    });
  }
});
