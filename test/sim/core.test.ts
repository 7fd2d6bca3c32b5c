/** Pure parts of the simulator core, table-driven: parameter checks, formats, routing, UPIDs. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkValue, validateParams } from '../../src/sim/validate.js';
import { checkFormat, registerFormat, splitList } from '../../src/sim/formats.js';
import { Router, uriUnescape } from '../../src/sim/router.js';
import { formatUpid, parseUpid } from '../../src/sim/tasks.js';
import { aclPath, checkPrivs } from '../../src/sim/auth.js';
import { PveError } from '../../src/sim/types.js';
import type { EndpointDef, ParamDef } from '../../src/sim/types.js';

void describe('checkValue: JSONSchema.pm texts', () => {
  const cases: [string, ParamDef, string, unknown][] = [
    ['integer ok', { type: 'integer' }, '42', 42],
    ['integer bad', { type: 'integer' }, 'abc', "type check ('integer') failed - got 'abc'"],
    ['number ok', { type: 'number' }, '1.5', 1.5],
    ['number bad', { type: 'number' }, '1.2.3', "type check ('number') failed - got '1.2.3'"],
    ['boolean 1', { type: 'boolean' }, '1', 1],
    ['boolean 0', { type: 'boolean' }, '0', 0],
    // The API (unlike the CLI) does not parse yes/no/true/false.
    ['boolean word', { type: 'boolean' }, 'true', "type check ('boolean') failed - got 'true'"],
    ['boolean bad', { type: 'boolean' }, '2', "type check ('boolean') failed - got '2'"],
    [
      'enum',
      { type: 'string', enum: ['a', 'b'] },
      'x',
      "value 'x' does not have a value in the enumeration 'a, b'",
    ],
    [
      'pattern',
      { type: 'string', pattern: 'net\\d+' },
      'eth0',
      'value does not match the regex pattern',
    ],
    [
      'pattern anchored',
      { type: 'string', pattern: 'net\\d+' },
      'net0x',
      'value does not match the regex pattern',
    ],
    ['minimum', { type: 'integer', minimum: 1 }, '0', 'value must have a minimum value of 1'],
    [
      'maximum',
      { type: 'integer', maximum: 4094 },
      '4095',
      'value must have a maximum value of 4094',
    ],
    ['maxLength', { type: 'string', maxLength: 3 }, 'abcd', 'value may only be 3 characters long'],
    [
      'minLength',
      { type: 'string', minLength: 2 },
      'a',
      'value must be at least 2 characters long',
    ],
    [
      'format pve-iface',
      { type: 'string', format: 'pve-iface' },
      'proximity-lan',
      "invalid format - invalid network interface name 'proximity-lan'\n",
    ],
    [
      'format pve-vmid',
      { type: 'integer', format: 'pve-vmid' },
      '99',
      'invalid format - value does not look like a valid VM ID\n',
    ],
  ];
  for (const [name, def, raw, want] of cases) {
    void test(name, () => {
      const r = checkValue(def, raw);
      if (r.ok) assert.equal(r.value, want);
      else assert.equal(r.error, want);
    });
  }
});

void describe('checkFormat', () => {
  const good: [string, string][] = [
    ['pve-node', 'pve-1'],
    ['pve-vmid', '100'],
    ['pve-iface', 'vmbr0'],
    ['pve-iface', 'eno1.100'],
    ['pve-iface-list', 'eno1 eno2,eno3;eno4'],
    ['pve-iface-list', ''],
    ['ipv4', '192.168.1.1'],
    ['ipv6', 'fe80::1'],
    ['CIDRv4', '10.0.0.0/8'],
    ['CIDRv6', '2001:db8::/32'],
    ['CIDR', '10.1.2.0/24'],
    ['ipv4mask', '255.255.255.0'],
    ['pve-configid-list', 'net0,memory'],
    ['pve-vlan-id-or-range-list', '2 4 100-200'],
    ['pve-tag-list', 'web;prod'],
    ['mac-addr', 'BC:24:11:00:00:01'],
    ['dns-name', 'a.example.com'],
    ['pve-storage-id', 'local-lvm'],
    ['pve-volume-id', 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst'],
    ['email', 'ops@example.com'],
    ['urlencoded', 'a%20b'],
    ['email-opt', ''],
  ];
  for (const [fmt, v] of good) {
    void test(`${fmt} accepts '${v}'`, () => assert.equal(checkFormat(fmt, v), undefined));
  }
  const bad: [string, string, string][] = [
    ['pve-node', '-x', 'value does not look like a valid node name\n'],
    ['pve-iface', 'x', "invalid network interface name 'x'\n"],
    ['pve-iface-list', 'eno1 bad-name', "invalid network interface name 'bad-name'\n"],
    ['ipv4', '256.1.1.1', 'value does not look like a valid IPv4 address\n'],
    ['CIDRv4', '10.0.0.0/7', 'value does not look like a valid IPv4 CIDR network\n'],
    ['CIDRv4', '10.0.0.0', 'value does not look like a valid IPv4 CIDR network\n'],
    ['ipv4mask', '255.0.255.0', 'value does not look like a valid IP netmask\n'],
    ['mac-addr', '01:00:00:00:00:00', 'value does not look like a valid unicast MAC address\n'],
    ['pve-vlan-id-or-range-list', '1', "invalid VLAN tag '1'\n"],
    ['pve-storage-id', '1local', "storage ID '1local' contains illegal characters\n"],
    ['urlencoded', 'a b', 'invalid urlencoded string: a b\n'],
  ];
  for (const [fmt, v, msg] of bad) {
    void test(`${fmt} refuses '${v}'`, () => assert.equal(checkFormat(fmt, v), msg));
  }
  void test('unknown formats pass, registered ones are enforced (returning or throwing)', () => {
    assert.equal(checkFormat('pxr-test-unknown', 'anything'), undefined);
    registerFormat('pxr-test-ret', (v) => (v === 'ok' ? undefined : 'nope'));
    registerFormat('pxr-test-throw', (v) => {
      if (v !== 'ok') throw new Error('thrown nope\n');
    });
    assert.equal(checkFormat('pxr-test-ret', 'x'), 'nope\n');
    assert.equal(checkFormat('pxr-test-throw', 'x'), 'thrown nope\n');
    assert.equal(checkFormat('pxr-test-ret-list', 'ok ok x'), 'nope\n');
  });
  void test('splitList splits like PVE::Tools::split_list', () => {
    assert.deepEqual(splitList(' a,b;c  d '), ['a', 'b', 'c', 'd']);
    assert.deepEqual(splitList('a\0b c'), ['a', 'b c']);
    assert.deepEqual(splitList(''), []);
  });
});

void describe('validateParams', () => {
  const ep: EndpointDef = {
    method: 'POST',
    path: '/nodes/{node}/x',
    params: {
      node: { type: 'string', format: 'pve-node' },
      count: { type: 'integer', optional: true, minimum: 1 },
      flag: { type: 'boolean', optional: true },
      ids: { type: 'array', optional: true, items: { type: 'integer' } },
    },
    indexed: { net: { max: 3, def: { type: 'string' } } },
    handler: () => null,
  };
  const raw = (o: Record<string, string | string[]>): Map<string, string[]> =>
    new Map(Object.entries(o).map(([k, v]) => [k, Array.isArray(v) ? v : [v]]));

  void test('coerces integers and booleans, accepts indexed keys up to max', () => {
    assert.deepEqual(
      validateParams(
        ep,
        raw({ node: 'pve', count: '3', flag: '1', net0: 'a', net3: 'b', ids: ['1', '2'] }),
      ),
      { node: 'pve', count: 3, flag: 1, net0: 'a', net3: 'b', ids: [1, 2] },
    );
  });

  void test('reports every failing parameter at once', () => {
    try {
      validateParams(ep, raw({ count: '0', net4: 'x', net01: 'y' }));
      assert.fail('should throw');
    } catch (err) {
      assert.ok(err instanceof PveError);
      assert.equal(err.status, 400);
      assert.equal(err.message, 'Parameter verification failed.\n');
      assert.deepEqual(err.errors, {
        node: 'property is missing and it is not optional',
        count: 'value must have a minimum value of 1',
        net4: 'property is not defined in schema and the schema does not allow additional properties',
        net01:
          'property is not defined in schema and the schema does not allow additional properties',
      });
    }
  });

  void test('repeated keys are joined with commas for -list formats and refused otherwise', () => {
    const e2: EndpointDef = {
      ...ep,
      params: {
        l: { type: 'string', format: 'pve-iface-list' },
        s: { type: 'string', optional: true },
      },
    };
    assert.deepEqual(validateParams(e2, raw({ l: ['eno1', 'eno2'] })), { l: 'eno1,eno2' });
    assert.throws(
      () => validateParams(e2, raw({ l: 'eno1', s: ['a', 'b'] })),
      (err: unknown) =>
        err instanceof PveError && err.errors?.s === "type check ('string') failed - got ARRAY",
    );
  });
});

void describe('router', () => {
  const mk = (method: EndpointDef['method'], path: string): EndpointDef => ({
    method,
    path,
    params: {},
    handler: () => path,
  });
  const router = new Router([
    mk('GET', '/nodes/{node}/lxc/{vmid}/config'),
    mk('GET', '/nodes/{node}/lxc'),
    mk('GET', '/nodes/{node}/lxc/{vmid}'),
    mk('GET', '/nodes/{node}/storage/{storage}/content'),
    mk('GET', '/cluster/firewall/ipset/{name}/{cidr}'),
    mk('GET', '/cluster/firewall/ipset/{name}'),
    mk('GET', '/cluster/nextid'),
  ]);
  const cases: [string, string | undefined, [string, string][]][] = [
    [
      '/nodes/pve/lxc/100/config',
      '/nodes/{node}/lxc/{vmid}/config',
      [
        ['node', 'pve'],
        ['vmid', '100'],
      ],
    ],
    ['/nodes/pve/lxc', '/nodes/{node}/lxc', [['node', 'pve']]],
    ['/cluster/nextid', '/cluster/nextid', []],
    [
      '/cluster/firewall/ipset/x/10.0.0.0/24',
      '/cluster/firewall/ipset/{name}/{cidr}',
      [
        ['name', 'x'],
        ['cidr', '10.0.0.0/24'],
      ],
    ],
    ['/cluster/firewall/ipset/x', '/cluster/firewall/ipset/{name}', [['name', 'x']]],
    ['/nodes/pve/lxc/100/config/extra', undefined, []],
    ['/nodes/pve', undefined, []],
    ['/nope', undefined, []],
  ];
  for (const [path, want, params] of cases) {
    void test(`GET ${path}`, () => {
      const segs = path.split('/').slice(1);
      const m = router.match('GET', segs);
      assert.equal(m?.endpoint.path, want);
      if (m) assert.deepEqual(m.pathParams, params);
    });
  }
  void test('another method does not match', () => {
    assert.equal(router.match('POST', ['cluster', 'nextid']), undefined);
  });
  void test('duplicate and conflicting routes are refused when the table is built', () => {
    assert.throws(() => new Router([mk('GET', '/a'), mk('GET', '/a')]), /duplicate endpoint/);
    assert.throws(() => new Router([mk('GET', '/a/{x}'), mk('GET', '/a/{y}/b')]), /route conflict/);
  });
  void test('uriUnescape decodes UTF-8 escapes and keeps malformed ones', () => {
    assert.equal(uriUnescape('10.0.0.0%2F24'), '10.0.0.0/24');
    assert.equal(uriUnescape('%E2%82%AC'), '€');
    assert.equal(uriUnescape('%zz%'), '%zz%');
  });
});

void describe('UPIDs and privileges', () => {
  void test('formatUpid pads hex to 8 upper-case digits and parseUpid reverses it', () => {
    const t = {
      node: 'pve',
      pid: 0x1a2b,
      pstart: 255,
      starttime: 0x67000000,
      type: 'vzcreate',
      id: '100',
      user: 'root@pam!pxr',
    };
    const upid = formatUpid(t);
    assert.equal(upid, 'UPID:pve:00001A2B:000000FF:67000000:vzcreate:100:root@pam!pxr:');
    assert.deepEqual(parseUpid(upid), t);
    assert.equal(parseUpid('UPID:pve:1:2:3:x:y:z:'), undefined);
    assert.equal(parseUpid(`${upid}x`), undefined);
  });
  void test('checkPrivs: any of the required privileges passes; the message names path and privs', () => {
    assert.equal(checkPrivs('*', ['VM.Allocate'], '/vms/100'), undefined);
    assert.equal(checkPrivs(['VM.Audit', 'VM.Allocate'], ['VM.Allocate'], '/vms/100'), undefined);
    assert.equal(
      checkPrivs(['VM.Audit'], ['VM.Allocate'], aclPath('/vms/{vmid}', { vmid: '100' })),
      'Permission check failed (/vms/100, VM.Allocate)\n',
    );
  });
});
