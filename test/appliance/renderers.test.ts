import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { validateDesired } from '../../src/appliance/desired.js';
import type { ApplianceDesired } from '../../src/appliance/desired.js';
import {
  defaultDnsmasqLayout,
  parseLeases,
  renderDnsmasq,
} from '../../src/appliance/render/dnsmasq.js';
import {
  nftModel,
  parseNftJson,
  renderNftables,
  wantsIpForward,
} from '../../src/appliance/render/nftables.js';
import { caddyProbes, defaultCaddyLayout, renderCaddy } from '../../src/appliance/render/caddy.js';
import { lab, skipWithout, skipWithoutRoot } from './fixtures.js';

const run = promisify(execFile);

describe('validateDesired', () => {
  const cases: Array<{ name: string; d: ApplianceDesired; issue?: RegExp }> = [
    { name: 'the lab is valid', d: lab() },
    {
      name: 'a fixed address outside the LAN',
      d: lab({ hosts: [{ hostname: 'a', mac: 'bc:24:11:00:00:09', ip: '10.30.0.5', expose: [] }] }),
      issue: /outside the LAN/,
    },
    {
      name: 'a fixed address inside the dynamic range',
      d: lab({
        hosts: [{ hostname: 'a', mac: 'bc:24:11:00:00:09', ip: '10.20.0.150', expose: [] }],
      }),
      issue: /inside the dynamic dhcp.range/,
    },
    {
      name: 'a fixed address outside the reserved range',
      d: lab({ hosts: [{ hostname: 'a', mac: 'bc:24:11:00:00:09', ip: '10.20.0.5', expose: [] }] }),
      issue: /outside dhcp.reservedRange/,
    },
    {
      name: 'two hosts with one MAC (case-insensitive)',
      d: lab({
        hosts: [
          { hostname: 'a', mac: 'BC:24:11:00:00:09', expose: [] },
          { hostname: 'b', mac: 'bc:24:11:00:00:09', expose: [] },
        ],
      }),
      issue: /share the mac/,
    },
    {
      name: 'a dynamic range outside the LAN',
      d: lab({ dhcp: { range: ['10.21.0.100', '10.21.0.200'], leaseTime: '1h' } }),
      issue: /not inside the LAN/,
    },
    {
      name: 'a default site nobody exposes',
      d: lab({ proxy: { httpPort: 80, defaultSite: 'nobody.test' } }),
      issue: /defaultSite/,
    },
    {
      name: 'a TXT record that would break out of its quotes',
      d: lab({
        dns: {
          domain: 'prox.local',
          upstream: [],
          records: [{ name: 'x.prox.local', type: 'TXT', value: 'a"\nserver=6.6.6.6' }],
        },
      }),
      issue: /quote or newline/,
    },
    {
      name: 'an interface name with a space (would be a second config token)',
      d: lab({ lan: { iface: 'lan0 x', cidr: '10.20.0.1/24' } }),
      issue: /lan.iface/,
    },
  ];
  for (const c of cases)
    test(`${c.name} → ${c.issue ? 'rejected' : 'accepted'}`, () => {
      const issues = validateDesired(c.d);
      if (c.issue)
        assert.ok(
          issues.some((i) => c.issue!.test(i)),
          issues.join('; '),
        );
      else assert.deepEqual(issues, []);
    });
});

describe('renderDnsmasq', () => {
  const layout = { ...defaultDnsmasqLayout, port: 5353 };
  const cases: Array<{ name: string; d: ApplianceDesired; has: string[]; hasNot?: string[] }> = [
    {
      name: 'binds the LAN only, takes names only from pxr folders, and forwards upstream',
      d: lab(),
      has: [
        'interface=lan0',
        'bind-dynamic',
        'port=5353',
        'no-hosts',
        'no-resolv',
        'domain=prox.local',
        'server=1.1.1.1',
        'server=9.9.9.9',
        'dhcp-range=10.20.0.100,10.20.0.199,255.255.255.0,12h',
        'dhcp-option=option:router,10.20.0.1',
        `dhcp-hostsdir=${layout.dhcpHostsDir}`,
        `hostsdir=${layout.hostsDir}`,
        `dhcp-leasefile=${layout.leaseFile}`,
        'host-record=gw.prox.local,10.20.0.1',
        'cname=www.prox.local,web.prox.local',
        'txt-record=prox.local,"v=spf1 -all"',
      ],
      hasNot: ['interface=wan0'],
    },
    {
      name: 'a /16 LAN gets its netmask on the range',
      d: lab({ lan: { iface: 'lan0', cidr: '10.20.0.1/16' } }),
      has: ['dhcp-range=10.20.0.100,10.20.0.199,255.255.0.0,12h'],
    },
  ];
  for (const c of cases)
    test(c.name, () => {
      const lines = renderDnsmasq(c.d, layout).main.split('\n');
      for (const l of c.has) assert.ok(lines.includes(l), `missing ${l}`);
      for (const l of c.hasNot ?? []) assert.ok(!lines.includes(l), `unexpected ${l}`);
    });

  test('one dhcp-hosts file per host (MAC lower-cased), one hosts file per fixed address', () => {
    const f = renderDnsmasq(lab(), layout);
    assert.deepEqual(
      [...f.dhcpHosts],
      [
        ['db', 'bc:24:11:00:00:02,db\n'],
        ['web', 'bc:24:11:00:00:01,10.20.0.10,web\n'],
      ],
    );
    assert.deepEqual([...f.hosts], [['web', '10.20.0.10 web.prox.local web\n']]);
  });

  test('the lease file is read into MAC → IP (unknown names dropped)', () => {
    const leases = parseLeases(
      '1767225600 bc:24:11:00:00:01 10.20.0.10 web 01:bc:24:11:00:00:01\n1767225601 BC:24:11:00:00:02 10.20.0.150 * *\n\n',
    );
    assert.deepEqual(leases, [
      { expiresAt: 1767225600000, mac: 'bc:24:11:00:00:01', ip: '10.20.0.10', hostname: 'web' },
      { expiresAt: 1767225601000, mac: 'bc:24:11:00:00:02', ip: '10.20.0.150' },
    ]);
  });
});

describe('renderNftables', () => {
  const cases: Array<{ name: string; d: ApplianceDesired; chains: Record<string, string[]> }> = [
    {
      name: 'NAT on: masquerade from the LAN CIDR out of the WAN, forward LAN→WAN and replies',
      d: lab(),
      chains: {
        forward: ['ct state established,related accept', 'iifname "lan0" oifname "wan0" accept'],
        postrouting: ['ip saddr 10.20.0.0/24 oifname "wan0" masquerade'],
      },
    },
    {
      name: 'NAT off: only replies are forwarded, no masquerade',
      d: lab({ nat: { enabled: false, masqueradeFrom: '10.20.0.0/24', outIface: 'wan0' } }),
      chains: { forward: ['ct state established,related accept'] },
    },
    {
      name: 'a host address as masqueradeFrom is normalised to its network',
      d: lab({ nat: { enabled: true, masqueradeFrom: '10.20.0.1/24', outIface: 'eth0' } }),
      chains: {
        forward: ['ct state established,related accept', 'iifname "lan0" oifname "eth0" accept'],
        postrouting: ['ip saddr 10.20.0.0/24 oifname "eth0" masquerade'],
      },
    },
  ];
  for (const c of cases)
    test(c.name, () => {
      const m = nftModel(c.d);
      assert.deepEqual(Object.fromEntries(m.chains.map((ch) => [ch.name, ch.rules])), c.chains);
      assert.equal(wantsIpForward(c.d), c.d.nat.enabled);
      const text = renderNftables(m);
      // Declare, delete, re-create: one transaction replacing only pxr's table.
      assert.match(text, /^table inet pxr\ndelete table inet pxr\ntable inet pxr \{$/m);
    });

  test('the JSON listing reads back into the same rule text', () => {
    const json = JSON.stringify({
      nftables: [
        { metainfo: { version: '1.0.6' } },
        { table: { family: 'inet', name: 'pxr', handle: 4 } },
        {
          chain: {
            family: 'inet',
            table: 'pxr',
            name: 'postrouting',
            handle: 1,
            type: 'nat',
            hook: 'postrouting',
            prio: 100,
            policy: 'accept',
          },
        },
        {
          rule: {
            family: 'inet',
            table: 'pxr',
            chain: 'postrouting',
            handle: 3,
            expr: [
              {
                match: {
                  op: '==',
                  left: { payload: { protocol: 'ip', field: 'saddr' } },
                  right: { prefix: { addr: '10.20.0.0', len: 24 } },
                },
              },
              { match: { op: '==', left: { meta: { key: 'oifname' } }, right: 'wan0' } },
              { masquerade: null },
            ],
          },
        },
      ],
    });
    assert.deepEqual(parseNftJson(json), {
      chains: [
        {
          name: 'postrouting',
          type: 'nat',
          hook: 'postrouting',
          priority: 100,
          policy: 'accept',
          rules: ['ip saddr 10.20.0.0/24 oifname "wan0" masquerade'],
        },
      ],
    });
    assert.equal(parseNftJson(JSON.stringify({ nftables: [{ metainfo: {} }] })), undefined);
  });
});

describe('renderCaddy', () => {
  test('one route per expose entry, longest path first, then the default site', () => {
    const cfg = renderCaddy(lab(), { adminListen: '127.0.0.1:2999', bindHost: '127.0.0.1' });
    const server = (
      cfg.apps as {
        http: { servers: { pxr: { listen: string[]; routes: Array<Record<string, unknown>> } } };
      }
    ).http.servers.pxr;
    assert.deepEqual(cfg.admin, { listen: '127.0.0.1:2999' });
    assert.deepEqual(server.listen, ['127.0.0.1:80']);
    assert.deepEqual(
      server.routes.map((r) => [
        r['@id'],
        JSON.stringify(r.match ?? null),
        JSON.stringify(r.handle),
      ]),
      [
        [
          'pxr-web.example.test-api',
          '[{"host":["web.example.test"],"path":["/api","/api/*"]}]',
          '[{"handler":"reverse_proxy","upstreams":[{"dial":"10.20.0.10:9090"}]}]',
        ],
        [
          'pxr-web.example.test',
          '[{"host":["web.example.test"]}]',
          '[{"handler":"reverse_proxy","upstreams":[{"dial":"10.20.0.10:8080"}]}]',
        ],
        [
          'pxr-default',
          'null',
          '[{"handler":"reverse_proxy","upstreams":[{"dial":"10.20.0.10:8080"}]}]',
        ],
      ],
    );
  });

  test('a leased host is proxied by its DNS name; no default site → 404', () => {
    const d = lab({
      proxy: { httpPort: 8081 },
      hosts: [
        {
          hostname: 'db',
          mac: 'bc:24:11:00:00:02',
          expose: [{ host: 'db.example.test', port: 5432 }],
        },
      ],
    });
    const routes = JSON.stringify(renderCaddy(d, defaultCaddyLayout));
    assert.match(routes, /"dial":"db\.prox\.local:5432"/);
    assert.match(routes, /"status_code":404/);
    assert.deepEqual(caddyProbes(d), [
      {
        id: 'pxr-db.example.test',
        host: 'db.example.test',
        path: '/',
        upstream: 'db.prox.local:5432',
      },
    ]);
  });
});

describe('rendered configs are accepted by the real binaries', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pxr-render-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('dnsmasq --test accepts the main config', { skip: skipWithout('dnsmasq') }, async () => {
    const layout = {
      confPath: join(dir, 'dnsmasq.conf'),
      dhcpHostsDir: join(dir, 'dhcp-hosts'),
      hostsDir: join(dir, 'hosts'),
      leaseFile: join(dir, 'leases'),
      pidFile: join(dir, 'pid'),
      port: 5353,
    };
    const files = renderDnsmasq(lab(), layout);
    await mkdir(layout.dhcpHostsDir);
    await mkdir(layout.hostsDir);
    await writeFile(layout.confPath, files.main);
    for (const [name, line] of files.dhcpHosts)
      await writeFile(join(layout.dhcpHostsDir, name), line);
    for (const [name, line] of files.hosts) await writeFile(join(layout.hostsDir, name), line);
    const r = await run('dnsmasq', ['--test', '-C', layout.confPath]);
    assert.match(r.stderr + r.stdout, /syntax check OK/);
    // And it can fail: a broken line is refused.
    await writeFile(layout.confPath, files.main + 'dhcp-range=nonsense\n');
    await assert.rejects(run('dnsmasq', ['--test', '-C', layout.confPath]));
  });

  test(
    'caddy validate accepts the config, with and without HTTPS',
    { skip: skipWithout('caddy') },
    async () => {
      for (const [name, d] of [
        ['http', lab()],
        [
          'https',
          lab({ proxy: { httpPort: 8080, httpsPort: 8443, defaultSite: 'web.example.test' } }),
        ],
      ] as const) {
        const file = join(dir, `caddy-${name}.json`);
        await writeFile(
          file,
          JSON.stringify(renderCaddy(d, { adminListen: '127.0.0.1:0', bindHost: '127.0.0.1' })),
        );
        await run('caddy', ['validate', '--config', file], {
          env: { ...process.env, HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir },
        });
      }
      const bad = join(dir, 'caddy-bad.json');
      await writeFile(
        bad,
        JSON.stringify({
          apps: { http: { servers: { x: { routes: [{ handle: [{ handler: 'nope' }] }] } } } },
        }),
      );
      await assert.rejects(
        run('caddy', ['validate', '--config', bad], { env: { ...process.env, HOME: dir } }),
      );
    },
  );

  test(
    'nft -c -f accepts the table file in a fresh network namespace',
    { skip: skipWithout('nft', 'ip') || skipWithoutRoot() },
    async () => {
      const ns = `pxr-rt-${process.pid}`;
      await run('ip', ['netns', 'add', ns]);
      try {
        for (const [name, d] of [
          ['nat', lab()],
          [
            'nonat',
            lab({ nat: { enabled: false, masqueradeFrom: '10.20.0.0/24', outIface: 'wan0' } }),
          ],
        ] as const) {
          const file = join(dir, `${name}.nft`);
          await writeFile(file, renderNftables(nftModel(d)));
          await run('ip', ['netns', 'exec', ns, 'nft', '-c', '-f', file]);
          // Applied twice in a row: the declare/delete/re-create file is idempotent.
          await run('ip', ['netns', 'exec', ns, 'nft', '-f', file]);
          await run('ip', ['netns', 'exec', ns, 'nft', '-f', file]);
          const listed = await run('ip', [
            'netns',
            'exec',
            ns,
            'nft',
            '-j',
            'list',
            'table',
            'inet',
            'pxr',
          ]);
          assert.deepEqual(parseNftJson(listed.stdout), nftModel(d));
        }
        const bad = join(dir, 'bad.nft');
        await writeFile(
          bad,
          'table inet pxr {\n  chain x { type nat hook nowhere priority 0; }\n}\n',
        );
        await assert.rejects(run('ip', ['netns', 'exec', ns, 'nft', '-c', '-f', bad]));
      } finally {
        await run('ip', ['netns', 'del', ns]);
      }
    },
  );
});
