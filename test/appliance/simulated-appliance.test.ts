import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { hostStatuses } from '../../src/appliance/host-status.js';
import {
  applyApplianceServices,
  createApplianceServices,
} from '../../src/appliance/services/appliance-services.js';
import { curl } from '../../src/appliance/services/caddy-admin.js';
import { SimulatedTransport } from '../../src/appliance/transport/simulated.js';
import { ManualClock } from '../../src/core/clock.js';
import { lab } from './fixtures.js';

function setup(): { t: SimulatedTransport; services: ReturnType<typeof createApplianceServices> } {
  const t = new SimulatedTransport();
  // A ManualClock that is never advanced: the simulated daemons answer at once, nothing may wait.
  return { t, services: createApplianceServices({ transport: t, clock: new ManualClock() }) };
}

describe('the simulated appliance (pxr run --sim) behind the same services', () => {
  test('all three services converge on first apply and read back equal', async () => {
    const { t, services } = setup();
    const out = await applyApplianceServices(services, lab());
    assert.deepEqual(
      out.map((o) => [o.service, o.ok, o.ok ? o.report.remaining : o.error.message]),
      [
        ['dnsmasq', true, []],
        ['nftables', true, []],
        ['caddy', true, []],
      ],
    );
    assert.equal(t.running('dnsmasq').length, 1);
    assert.equal(t.sysctl['net.ipv4.ip_forward'], '1');
    assert.deepEqual(
      t.nft?.map((c) => c.name),
      ['forward', 'postrouting'],
    );
    const routed = await curl(t, {
      method: 'GET',
      url: 'http://127.0.0.1:80/api/x',
      headers: { Host: 'web.example.test' },
    });
    assert.equal(routed.body, 'simulated upstream 10.20.0.10:9090\n');
  });

  test('a second apply does nothing at all', async () => {
    const { t, services } = setup();
    await applyApplianceServices(services, lab());
    const before = t.commands.length;
    const out = await applyApplianceServices(services, lab());
    for (const o of out) {
      assert.ok(o.ok);
      assert.deepEqual([o.report.drift, o.report.actions], [[], []], o.service);
    }
    // Only reads: no writes, signals or loads were issued.
    const issued = t.commands.slice(before).map((c) => c.join(' '));
    assert.ok(
      issued.every((c) => /^(kill -0|nft -j list|sysctl -n|curl -sS -X GET)/.test(c)),
      issued.join('\n'),
    );
  });

  test('drift made by hand in each service is detected and corrected in one apply', async () => {
    const { t, services } = setup();
    await applyApplianceServices(services, lab());
    const pid = t.running('dnsmasq')[0];
    t.files['/etc/pxr/dnsmasq.conf'] = `${t.files['/etc/pxr/dnsmasq.conf'] ?? ''}server=6.6.6.6\n`;
    await t.exec(['nft', 'flush', 'table', 'inet', 'pxr']);
    await curl(t, { method: 'DELETE', url: 'http://127.0.0.1:2019/id/pxr-web.example.test' });
    const out = await applyApplianceServices(services, lab());
    const byService = Object.fromEntries(out.map((o) => [o.service, o.ok ? o.report : undefined]));
    assert.deepEqual(
      byService.dnsmasq?.drift.map((d) => [d.field, d.actual]),
      [['dnsmasq.conf', 'server=6.6.6.6']],
    );
    assert.deepEqual(byService.dnsmasq?.actions, ['wrote /etc/pxr/dnsmasq.conf', 'restart']);
    assert.notDeepEqual(t.running('dnsmasq'), [pid]);
    assert.deepEqual(
      byService.nftables?.drift.map((d) => d.field),
      ['nftables.chain.forward.rules', 'nftables.chain.postrouting.rules'],
    );
    assert.deepEqual(
      byService.caddy?.drift.map((d) => d.field),
      ['caddy.apps.http.servers.pxr.routes[pxr-web.example.test]'],
    );
    for (const o of out) assert.ok(o.ok && o.report.remaining.length === 0, o.service);
  });

  test('a host joining is a SIGHUP, not a restart', async () => {
    const { t, services } = setup();
    await applyApplianceServices(services, lab());
    const d = lab();
    d.hosts.push({ hostname: 'api', mac: 'bc:24:11:00:00:03', ip: '10.20.0.11', expose: [] });
    const r = await services.dnsmasq.apply(d);
    assert.deepEqual(r.actions, [
      'wrote /etc/pxr/dnsmasq/dhcp-hosts/api',
      'wrote /etc/pxr/dnsmasq/hosts/api',
      'SIGHUP',
    ]);
    assert.deepEqual(
      t.signals.map((s) => s.signal),
      ['HUP'],
    );
  });

  test('a stale pid file naming another program: that program is never signalled, dnsmasq is started', async () => {
    const { t, services } = setup();
    await applyApplianceServices(services, lab());
    const [pid] = t.running('dnsmasq');
    await t.exec(['kill', '-TERM', String(pid)]);
    t.signals.length = 0;
    // The pid was reused by a shell after dnsmasq died.
    t.files[`/proc/${pid}/stat`] = `${pid} (bash) S 1 1 1 0 -1\n`;
    const before = await services.dnsmasq.observe();
    assert.equal(before.running, false);
    const r = await services.dnsmasq.apply(lab());
    assert.deepEqual(r.actions, ['start']);
    assert.deepEqual(t.signals, []);
    assert.equal(t.running('dnsmasq').length, 1);
  });

  test('one service failing does not stop the others', async () => {
    const { t, services } = setup();
    // A Caddy whose admin API is elsewhere cannot be reached: a retryable error for caddy only.
    const other = createApplianceServices({
      transport: t,
      clock: new ManualClock(),
      caddy: { adminListen: '127.0.0.1:9' },
    });
    const out = await applyApplianceServices({ ...services, caddy: other.caddy }, lab());
    assert.deepEqual(
      out.map((o) => [o.service, o.ok]),
      [
        ['dnsmasq', true],
        ['nftables', true],
        ['caddy', false],
      ],
    );
  });
});

describe('hostStatuses', () => {
  test('fixed address from the spec, leased one from the lease file by MAC, DNS name and URLs', () => {
    const d = lab();
    d.hosts[1]?.expose.push({ host: 'db.example.test', port: 5432 });
    assert.deepEqual(
      hostStatuses(d, [{ expiresAt: 0, mac: 'bc:24:11:00:00:02', ip: '10.20.0.150' }]),
      [
        {
          hostname: 'web',
          ip: '10.20.0.10',
          ipSource: 'fixed',
          dnsName: 'web.prox.local',
          urls: ['http://web.example.test/', 'http://web.example.test/api'],
        },
        {
          hostname: 'db',
          ip: '10.20.0.150',
          ipSource: 'lease',
          dnsName: 'db.prox.local',
          urls: ['http://db.example.test/'],
        },
      ],
    );
    assert.equal(hostStatuses(d, [])[1]?.ip, undefined);
  });
});
