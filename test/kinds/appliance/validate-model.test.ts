/**
 * The pure parts, table-driven: Appliance manifests through the real validator (schema with
 * defaults + semantic checks, located messages), members of an appliance LAN checked on their side,
 * and the desired service model built from an appliance and its members.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { kindDefinitions } from '../../../src/kinds/registry.js';
import { ManifestValidator } from '../../../src/source/validate.js';
import type { StoredObject } from '../../../src/core/kind.js';
import { buildModel, selectMembers } from '../../../src/kinds/appliance/members.js';
import { resolveAppliance, type ApplianceSpec } from '../../../src/kinds/appliance/spec.js';
import { memberMac } from '../../../src/kinds/app-container/appliance-join.js';

const validator = new ManifestValidator(kindDefinitions());

function check(kind: string, spec: string): ReturnType<ManifestValidator['validate']> {
  const text = `apiVersion: pxr/v1alpha1\nkind: ${kind}\nmetadata:\n  name: gw\nspec:\n${spec}`;
  return validator.validate([validator.parse('x.yaml', text)]);
}

const BASE = `  node: pve
  template: local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst
  wan: { bridge: vmbr0 }
  dns: { domain: prox.local }
`;
const LAN = '  lan: { bridge: vmbr10, cidr: 10.20.0.1/24 }\n';
const DHCP = '  dhcp: { range: { start: 10.20.0.100, end: 10.20.0.199 } }\n';
const SIM = '  access: { transport: simulated }\n';

describe('Appliance validation', () => {
  test('the example appliance is valid and defaults are applied', async () => {
    const file = 'manifests/app-lan/appliance.yaml';
    const text = await readFile(new URL(`../../../${file}`, import.meta.url), 'utf8');
    const r = validator.validate([validator.parse(file, text)]);
    assert.deepEqual(r.issues, []);
    const min = check('Appliance', BASE + LAN + DHCP + SIM);
    assert.deepEqual(min.issues, []);
    const spec = min.docs[0]!.spec;
    assert.deepEqual(spec['nat'], { enabled: true });
    assert.deepEqual(spec['proxy'], { httpPort: 80, adminListen: '127.0.0.1:2019' });
    assert.equal((spec['wan'] as Record<string, unknown>)['ip'], 'dhcp');
  });

  const cases: Array<[string, string, string, RegExp]> = [
    [
      'a LAN bridge no NIC accepts, with a suggestion',
      BASE + '  lan: { bridge: "prox lan", cidr: 10.20.0.1/24 }\n' + DHCP + SIM,
      'spec.lan.bridge',
      /prox lan|pattern/,
    ],
    [
      'the LAN on the WAN bridge',
      BASE + '  lan: { bridge: vmbr0, cidr: 10.20.0.1/24 }\n' + DHCP + SIM,
      'spec.lan.bridge',
      /different bridges/,
    ],
    [
      'a dynamic range outside the LAN',
      BASE + LAN + '  dhcp: { range: { start: 10.30.0.100, end: 10.30.0.199 } }\n' + SIM,
      'spec.dhcp.range',
      /not inside the LAN 10\.20\.0\.1\/24/,
    ],
    [
      'a reserved range overlapping the dynamic one',
      BASE +
        LAN +
        '  dhcp: { range: { start: 10.20.0.100, end: 10.20.0.199 }, reservedRange: { start: 10.20.0.150, end: 10.20.0.160 } }\n' +
        SIM,
      'spec.dhcp.reservedRange',
      /overlaps/,
    ],
    [
      'ssh access without the pinned host key',
      BASE +
        LAN +
        DHCP +
        '  access: { transport: ssh, host: 10.0.0.2, privateKeyFile: /etc/pxr/key }\n',
      'spec.access.hostKeyFingerprint',
      /needs access\.hostKeyFingerprint/,
    ],
    [
      'a WAN gateway with dhcp',
      BASE.replace('wan: { bridge: vmbr0 }', 'wan: { bridge: vmbr0, gateway: 192.168.1.1 }') +
        LAN +
        DHCP +
        SIM,
      'spec.wan.gateway',
      /only applies to a static wan\.ip/,
    ],
    [
      "Caddy's admin API on an address other than loopback",
      BASE + LAN + DHCP + '  proxy: { adminListen: 0.0.0.0:2019 }\n' + SIM,
      'spec.proxy.adminListen',
      /loopback/,
    ],
  ];
  for (const [name, spec, field, message] of cases) {
    test(`refused: ${name}`, () => {
      const r = check('Appliance', spec);
      const issue = r.issues.find((i) => i.field === field);
      assert.ok(issue, `${field} in ${JSON.stringify(r.issues)}`);
      assert.match(issue.message, message);
    });
  }

  test('a member may not set a gateway, and expose needs an appliance', () => {
    const ct = '  node: pve\n  template: local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst\n';
    const a = check(
      'AppContainer',
      `${ct}  network: { appliance: gw, ip: 10.20.0.10/24, gateway: 10.20.0.1 }\n`,
    );
    assert.match(
      a.issues.find((i) => i.field === 'spec.network.gateway')?.message ?? '',
      /appliance/,
    );
    const b = check(
      'AppContainer',
      `${ct}  network: { bridge: vmbr1 }\n  expose: [{ host: web.prox.local, port: 80 }]\n`,
    );
    assert.match(
      b.issues.find((i) => i.field === 'spec.expose')?.message ?? '',
      /network\.appliance/,
    );
  });
});

function stored(kind: string, name: string, spec: Record<string, unknown>): StoredObject {
  return {
    kind,
    name,
    uid: `uid-${name}`,
    generation: 1,
    specHash: 'h',
    spec,
    labels: {},
    annotations: {},
    sourceFile: 'x.yaml',
    deletionRequested: false,
    finalizers: [],
  };
}

describe('the desired service model', () => {
  const spec: ApplianceSpec = {
    node: 'pve',
    template: 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst',
    wan: { bridge: 'vmbr0' },
    lan: { bridge: 'vmbr10', cidr: '10.20.0.1/24' },
    dhcp: { range: { start: '10.20.0.100', end: '10.20.0.199' } },
    dns: { domain: 'Prox.Local' },
    proxy: { defaultSite: 'web.prox.local' },
    access: { transport: 'simulated' },
  };
  const gw = stored('Appliance', 'gw', spec);
  const ct = (name: string, network: Record<string, unknown>, extra = {}): StoredObject =>
    stored('AppContainer', name, {
      node: 'pve',
      template: 'local:vztmpl/x.tar.zst',
      network,
      ...extra,
    });

  test('members are the live AppContainers naming the appliance, in name order', () => {
    const all = [
      ct('b', { appliance: 'gw' }),
      ct('a', { appliance: 'gw' }),
      ct('c', { appliance: 'other' }),
      ct('d', { bridge: 'vmbr10' }),
      { ...ct('e', { appliance: 'gw' }), deletionRequested: true },
    ];
    assert.deepEqual(
      selectMembers('gw', all).map((o) => o.name),
      ['a', 'b'],
    );
  });

  test('hosts carry the recorded MAC (else the one derived from the uid), the reserved address and the routes', () => {
    const web = ct(
      'web',
      { appliance: 'gw', ip: '10.20.0.10/24' },
      { hostname: 'Web.example', expose: [{ host: 'web.prox.local', port: 80 }] },
    );
    const api = ct('api', { appliance: 'gw' });
    const m = buildModel(gw, resolveAppliance(spec), [
      { obj: web, status: undefined },
      {
        obj: api,
        status: {
          ready: true,
          observedGeneration: 1,
          conditions: [],
          observed: { mac: 'BC:24:11:00:00:01' },
        },
      },
    ]);
    assert.deepEqual(m.desired.hosts, [
      {
        hostname: 'web',
        mac: memberMac('uid-web').toLowerCase(),
        ip: '10.20.0.10',
        expose: [{ host: 'web.prox.local', port: 80 }],
      },
      { hostname: 'api', mac: 'bc:24:11:00:00:01', expose: [] },
    ]);
    assert.equal(m.desired.dns.domain, 'prox.local');
    assert.deepEqual(m.desired.nat, {
      enabled: true,
      masqueradeFrom: '10.20.0.0/24',
      outIface: 'eth0',
    });
    assert.deepEqual(m.desired.lan, { iface: 'eth1', cidr: '10.20.0.1/24' });
    assert.equal(m.desired.proxy.defaultSite, 'web.prox.local');
    assert.deepEqual(Object.keys(m.members), ['web', 'api']);
    assert.deepEqual(m.notes, []);
  });

  test('a default site no member exposes yet is left out with a note', () => {
    const m = buildModel(gw, resolveAppliance(spec), []);
    assert.equal(m.desired.proxy.defaultSite, undefined);
    assert.match(m.notes[0] ?? '', /web\.prox\.local is not exposed by any member yet/);
  });

  test('member MACs are stable, unicast and locally administered', () => {
    const mac = memberMac('some-uid');
    assert.equal(mac, memberMac('some-uid'));
    assert.notEqual(mac, memberMac('other-uid'));
    assert.match(mac, /^02(:[0-9A-F]{2}){5}$/);
  });
});
