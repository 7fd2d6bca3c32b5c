/**
 * The Appliance kind through the real runtime against the simulator over HTTP and the simulated
 * appliance transport: the appliance container and its members converge from manifests, every
 * member gets its reservation, name and routes, a converged sweep writes nothing anywhere, each
 * service's drift is detected, recorded and corrected in one pass, and a member that joins later is
 * rendered without waiting for a resync.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { memberMac } from '../../../src/kinds/app-container/appliance-join.js';
import { curl } from '../../../src/appliance/services/caddy-admin.js';
import { doc, snap } from '../../core/helpers.js';
import { applianceRig, gateway, member, TEMPLATE, type ApplianceRig } from './rig.js';

describe('Appliance through the Manager', () => {
  let r: ApplianceRig;
  const docs = [
    gateway({ proxy: { defaultSite: 'web.prox.local' } }),
    member('web', { ip: '10.20.0.10/24' }, [{ host: 'web.prox.local', port: 80 }]),
    member('api', { ip: '10.20.0.11/24' }, [
      { host: 'api.prox.local', port: 8080 },
      { host: 'web.prox.local', port: 8080, pathPrefix: '/api' },
    ]),
  ];
  const lxcConfig = (name: string): Record<string, string | number> => {
    const vmid = r.observed(name === 'gw' ? 'Appliance' : 'AppContainer', name)['vmid'];
    const ct = r.s.sim.state.nodes['pve']!.lxc[String(vmid)];
    assert.ok(ct, `${name}: CT ${String(vmid)} exists`);
    return ct.config;
  };
  const sweep = async (): Promise<void> => {
    r.clock.advance(60_000);
    for (const k of ['Appliance', 'AppContainer']) r.manager.controller(k)!.enqueueAll();
    await r.manager.waitForIdle();
  };

  before(async () => {
    r = await applianceRig();
  });
  after(async () => {
    await r.close();
  });

  test('the appliance and its members converge: two NICs, reservations, names and routes', async () => {
    r.manager.applySnapshot(snap(docs));
    await r.until(
      () =>
        r.ready('Appliance', 'gw') &&
        r.ready('AppContainer', 'web') &&
        r.ready('AppContainer', 'api'),
      'the appliance and both members Ready',
    );
    const gw = lxcConfig('gw');
    assert.match(String(gw['net0']), /bridge=vmbr0/);
    assert.match(String(gw['net1']), /name=eth1/);
    assert.match(String(gw['net1']), /bridge=vmbr10/);
    assert.match(String(gw['net1']), /ip=10\.20\.0\.1\/24/);

    const t = r.appliances.get('gw')!;
    for (const [name, ip] of [
      ['web', '10.20.0.10'],
      ['api', '10.20.0.11'],
    ] as const) {
      const uid = r.store.objects.get({ kind: 'AppContainer', name })!.uid;
      const net0 = String(lxcConfig(name)['net0']);
      assert.match(net0, /bridge=vmbr10/);
      assert.match(net0, /ip=dhcp/);
      assert.ok(net0.includes(`hwaddr=${memberMac(uid)}`), `${name} MAC fixed up front: ${net0}`);
      const reservation = Object.entries(t.files).find(([p]) => p.includes('dhcp-hosts/'))?.[0];
      assert.ok(reservation, 'a dhcp-hosts file');
      const hostsFiles = Object.entries(t.files)
        .filter(([p]) => p.includes('/dhcp-hosts/'))
        .map(([, v]) => v);
      assert.ok(
        hostsFiles.some(
          (v) => v.toLowerCase().includes(memberMac(uid).toLowerCase()) && v.includes(ip),
        ),
        `${name}: reservation ${memberMac(uid)} -> ${ip} in ${hostsFiles.join('|')}`,
      );
      const o = r.observed('AppContainer', name);
      assert.equal(o['ip'], ip);
      assert.equal(o['dnsName'], `${name}.prox.local`);
    }
    assert.deepEqual(r.observed('AppContainer', 'api')['urls'], [
      'http://api.prox.local/',
      'http://web.prox.local/api',
    ]);
    const routes = JSON.stringify(t.caddy.config);
    for (const dial of ['10.20.0.10:80', '10.20.0.11:8080']) assert.ok(routes.includes(dial), dial);
    assert.ok(t.nft && t.nft.some((c) => c.rules.length > 0), 'the inet pxr table is loaded');
    const gwObj = r.store.objects.get({ kind: 'Appliance', name: 'gw' })!;
    const conds = r.store.status.get(gwObj)!.conditions;
    for (const type of ['DnsmasqReady', 'NftablesReady', 'CaddyReady'])
      assert.equal(conds.find((c) => c.type === type)?.status, 'True', type);
    assert.deepEqual(Object.keys(r.observed('Appliance', 'gw')['members'] as object).sort(), [
      'api',
      'web',
    ]);
  });

  test('a converged sweep writes nothing to Proxmox, SQLite or the appliance', async () => {
    await sweep();
    const t = r.appliances.get('gw')!;
    const before = {
      writes: r.writes(),
      rows: r.store.totalChanges(),
      files: JSON.stringify(Object.entries(t.files)),
      caddy: JSON.stringify(t.caddy.config),
      commands: t.commands.length,
    };
    await sweep();
    assert.equal(r.writes(), before.writes, 'no Proxmox write');
    assert.equal(r.store.totalChanges(), before.rows, 'no SQLite write');
    assert.equal(
      JSON.stringify(Object.entries(t.files)),
      before.files,
      'no file written in the appliance',
    );
    assert.equal(JSON.stringify(t.caddy.config), before.caddy);
    const run = t.commands.slice(before.commands).map((c) => c.join(' '));
    assert.ok(run.length > 0, 'the sweep observed the appliance');
    const changing = run.filter((c) => /\/load|nft -f|kill -HUP|dnsmasq -C|sysctl -w/.test(c));
    assert.deepEqual(changing, [], 'no command that changes the appliance');
  });

  test('a Caddy route deleted, dnsmasq.conf edited and the nft table flushed by hand are each detected, recorded and corrected in one pass', async () => {
    const t = r.appliances.get('gw')!;
    const caddyBefore = JSON.stringify(t.caddy.config);
    const conf = Object.keys(t.files).find((p) => p.endsWith('dnsmasq.conf'))!;
    const confBefore = t.files[conf]!;
    const ids = [...caddyBefore.matchAll(/"@id":"([^"]+)"/g)].map((m) => m[1]!);
    const victim = ids.find((id) => id.includes('api'))!;
    const del = await curl(t, { method: 'DELETE', url: `http://127.0.0.1:2019/id/${victim}` });
    assert.equal(del.status, 200);
    await t.writeFile(conf, `${confBefore}log-queries\n`);
    assert.equal((await t.exec(['nft', 'flush', 'table', 'inet', 'pxr'])).code, 0);

    const ref = { kind: 'Appliance', name: 'gw' };
    r.manager.controller('Appliance')!.enqueue('gw');
    await r.manager.waitForIdle();

    assert.equal(JSON.stringify(t.caddy.config), caddyBefore, 'the route is back');
    assert.equal(t.files[conf], confBefore, 'dnsmasq.conf restored');
    assert.ok(
      t.nft!.some((c) => c.rules.length > 0),
      'the nft rules are back',
    );
    const drift = r.store.drift.list(ref);
    for (const re of [/^caddy\./, /^dnsmasq\.conf$/, /^nft/]) {
      const d = drift.find((x) => re.test(x.field));
      assert.ok(d, `drift ${re} recorded: ${drift.map((x) => x.field).join(', ')}`);
      assert.equal(d.corrected, true);
    }
    assert.ok(r.ready('Appliance', 'gw'));
  });

  test('a member joining later gets its reservation and routes without waiting for a resync', async () => {
    r.manager.applySnapshot(
      snap([
        ...docs,
        member('db', { ip: '10.20.0.12/24' }, [{ host: 'db.prox.local', port: 5432 }]),
      ]),
    );
    await r.until(() => r.ready('AppContainer', 'db'), 'db Ready');
    await r.manager.waitForIdle();
    const t = r.appliances.get('gw')!;
    assert.ok(JSON.stringify(t.caddy.config).includes('10.20.0.12:5432'), 'db route rendered');
    assert.ok(
      Object.values(t.files).some((v) => v.includes('10.20.0.12') && v.includes('db')),
      'db reservation rendered',
    );
    assert.ok(Object.keys(r.observed('Appliance', 'gw')['members'] as object).includes('db'));
  });

  test('a member removed from the manifests is destroyed and its reservation and routes are dropped', async () => {
    r.manager.applySnapshot(snap(docs));
    await r.until(
      () => r.store.objects.get({ kind: 'AppContainer', name: 'db' }) === undefined,
      'db deleted',
    );
    await r.manager.waitForIdle();
    const t = r.appliances.get('gw')!;
    assert.ok(!JSON.stringify(t.caddy.config).includes('10.20.0.12'), 'db route dropped');
    assert.ok(!Object.keys(t.files).some((p) => p.endsWith('/db')), 'db host files removed');
    assert.deepEqual(Object.keys(r.observed('Appliance', 'gw')['members'] as object).sort(), [
      'api',
      'web',
    ]);
  });

  test('a dual-homed member joins the LAN on net1: MAC fixed up front, reservation, name and route', async () => {
    const edge = doc('AppContainer', 'edge', {
      node: 'pve',
      template: TEMPLATE,
      networks: [{ bridge: 'vmbr0' }, { appliance: 'gw', ip: '10.20.0.13/24' }],
      expose: [{ host: 'edge.prox.local', port: 8443 }],
    });
    r.manager.applySnapshot(snap([...docs, edge]));
    await r.until(() => r.ready('AppContainer', 'edge'), 'edge Ready');
    await r.manager.waitForIdle();
    const uid = r.store.objects.get({ kind: 'AppContainer', name: 'edge' })!.uid;
    const c = lxcConfig('edge');
    assert.match(String(c['net0']), /^name=eth0,bridge=vmbr0,/);
    const net1 = String(c['net1']);
    assert.match(net1, /name=eth1,bridge=vmbr10,/);
    assert.ok(net1.includes(`hwaddr=${memberMac(uid)}`), `net1 MAC fixed up front: ${net1}`);
    const t = r.appliances.get('gw')!;
    const hostsFiles = Object.entries(t.files)
      .filter(([p]) => p.includes('/dhcp-hosts/'))
      .map(([, v]) => v);
    assert.ok(
      hostsFiles.some(
        (v) => v.toLowerCase().includes(memberMac(uid).toLowerCase()) && v.includes('10.20.0.13'),
      ),
      `reservation for net1's MAC in ${hostsFiles.join('|')}`,
    );
    assert.ok(JSON.stringify(t.caddy.config).includes('10.20.0.13:8443'), 'route rendered');
    const o = r.observed('AppContainer', 'edge');
    assert.equal(o['dnsName'], 'edge.prox.local');
    assert.equal((o['ips'] as Record<string, string>)['net1'], '10.20.0.13');
    assert.equal(o['nicMacs'] && (o['nicMacs'] as Record<string, string>)['net1'], memberMac(uid));
  });
});
