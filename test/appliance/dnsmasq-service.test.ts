import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApplianceDesired } from '../../src/appliance/desired.js';
import type { DnsmasqLayout } from '../../src/appliance/render/dnsmasq.js';
import { DnsmasqService } from '../../src/appliance/services/dnsmasq.js';
import { LocalTransport } from '../../src/appliance/transport/local.js';
import { systemClock } from '../../src/core/clock.js';
import { isTerminal } from '../../src/core/errors.js';
import { waitFor } from '../helpers/wait.js';
import { lab, skipWithout, skipWithoutRoot } from './fixtures.js';
import { Netns } from './netns.js';

// Far in the future (2100), so dnsmasq does not expire it while the test runs.
const LEASE_EXPIRY = 4102444800;

const withApi = (d: ApplianceDesired): ApplianceDesired => ({
  ...d,
  hosts: [...d.hosts, { hostname: 'api', mac: 'bc:24:11:00:00:03', ip: '10.20.0.11', expose: [] }],
});

describe(
  'dnsmasq service: a real dnsmasq in a fresh network namespace',
  { skip: skipWithout('dnsmasq', 'ip', 'getent') || skipWithoutRoot() },
  () => {
    const ns = new Netns(`pxr-dns-${process.pid}`);
    const t = new LocalTransport({ execPrefix: ns.execPrefix });
    let dir = '';
    let layout: DnsmasqLayout;
    let svc: DnsmasqService;
    const pid = async (): Promise<number> =>
      Number((await readFile(layout.pidFile, 'utf8')).trim());

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'pxr-dnsmasq-'));
      // dnsmasq reads its hosts folders after dropping root; mkdtemp's 0700 would hide them.
      await chmod(dir, 0o755);
      layout = {
        confPath: join(dir, 'dnsmasq.conf'),
        dhcpHostsDir: join(dir, 'dhcp-hosts'),
        hostsDir: join(dir, 'hosts'),
        leaseFile: join(dir, 'leases'),
        pidFile: join(dir, 'dnsmasq.pid'),
        port: 53,
      };
      await ns.create();
      // A lease granted before pxr's first start, in dnsmasq's own format: starting the daemon keeps
      // it, and observe() reports it (real leases by DHCP are the lab test's part).
      await writeFile(layout.leaseFile, `${LEASE_EXPIRY} bc:24:11:00:00:02 10.20.0.150 db *\n`);
      svc = new DnsmasqService({ transport: t, layout, clock: systemClock });
    });
    after(async () => {
      // The daemon we started: by its pid file, never by name.
      const p = await pid().catch(() => undefined);
      if (p) await t.exec(['kill', '-TERM', String(p)]);
      await ns.destroy();
      await rm(dir, { recursive: true, force: true });
    });

    test('first apply checks and writes the config, starts dnsmasq, and it answers the names', async () => {
      const r = await svc.apply(lab());
      assert.deepEqual(r.actions, [
        `wrote ${layout.confPath}`,
        `wrote ${layout.dhcpHostsDir}/db`,
        `wrote ${layout.dhcpHostsDir}/web`,
        `wrote ${layout.hostsDir}/web`,
        'start',
      ]);
      assert.deepEqual(r.remaining, []);
      assert.deepEqual(await ns.resolve('web.prox.local'), ['10.20.0.10']);
      assert.deepEqual(await ns.resolve('gw.prox.local'), ['10.20.0.1']);
      assert.deepEqual(await ns.resolve('nobody.prox.local'), []);
      const o = await svc.observe();
      assert.equal(o.running, true);
      assert.deepEqual(o.leases, [
        {
          expiresAt: LEASE_EXPIRY * 1000,
          mac: 'bc:24:11:00:00:02',
          ip: '10.20.0.150',
          hostname: 'db',
        },
      ]);
    });

    test('a second apply finds nothing to do', async () => {
      const r = await svc.apply(lab());
      assert.deepEqual(r.drift, []);
      assert.deepEqual(r.actions, []);
    });

    test('a host joining is two small files and a SIGHUP, not a restart; its name resolves', async () => {
      const before = await pid();
      const r = await svc.apply(withApi(lab()));
      assert.deepEqual(r.actions, [
        `wrote ${layout.dhcpHostsDir}/api`,
        `wrote ${layout.hostsDir}/api`,
        'SIGHUP',
      ]);
      assert.equal(await pid(), before);
      await waitFor('api.prox.local to resolve', async () =>
        (await ns.resolve('api.prox.local'))[0] === '10.20.0.11' ? true : undefined,
      );
    });

    test('a host leaving removes its files and, after the SIGHUP, its name', async () => {
      const r = await svc.apply(lab());
      assert.deepEqual(r.actions, [
        `removed ${layout.dhcpHostsDir}/api`,
        `removed ${layout.hostsDir}/api`,
        'SIGHUP',
      ]);
      await waitFor('api.prox.local to be gone', async () =>
        (await ns.resolve('api.prox.local')).length === 0 ? true : undefined,
      );
    });

    test('the main config edited by hand is drift naming the line, and apply restarts dnsmasq', async () => {
      const before = await pid();
      await appendFile(layout.confPath, 'address=/evil.prox.local/6.6.6.6\n');
      const drift = svc.diff(lab(), await svc.observe());
      assert.deepEqual(drift, [
        {
          service: 'dnsmasq',
          field: 'dnsmasq.conf',
          desired: '',
          actual: 'address=/evil.prox.local/6.6.6.6',
        },
      ]);
      const r = await svc.apply(lab());
      assert.deepEqual(r.actions, [`wrote ${layout.confPath}`, 'restart']);
      assert.deepEqual(r.remaining, []);
      assert.notEqual(await pid(), before);
      assert.deepEqual(await ns.resolve('web.prox.local'), ['10.20.0.10']);
    });

    test('a reservation file edited by hand is drift and is rewritten', async () => {
      await appendFile(join(layout.dhcpHostsDir, 'web'), 'bc:24:11:00:00:99,10.20.0.10,thief\n');
      const r = await svc.apply(lab());
      assert.deepEqual(
        r.drift.map((d) => [d.field, d.desired, d.actual]),
        [
          [
            'dnsmasq.dhcp-hosts/web',
            'bc:24:11:00:00:01,10.20.0.10,web',
            'bc:24:11:00:00:01,10.20.0.10,web\nbc:24:11:00:00:99,10.20.0.10,thief',
          ],
        ],
      );
      assert.deepEqual(r.actions, [`wrote ${layout.dhcpHostsDir}/web`, 'SIGHUP']);
    });

    test('a daemon killed behind pxr is drift (not running) and is started again', async () => {
      const old = await pid();
      await t.exec(['kill', '-TERM', String(old)]);
      // Exited is enough (it may linger as a zombie until init reaps it; pxr counts that as down).
      await waitFor('dnsmasq to exit', async () =>
        (await svc.observe()).running ? undefined : true,
      );
      const r = await svc.apply(lab());
      assert.deepEqual(
        r.drift.map((d) => d.field),
        ['dnsmasq.running'],
      );
      assert.deepEqual(r.actions, ['start']);
      assert.deepEqual(r.remaining, []);
    });

    test('an invalid spec is terminal before anything is written', async () => {
      const bad = lab({ hosts: [{ hostname: 'x', mac: 'nope', expose: [] }] });
      await assert.rejects(
        svc.apply(bad),
        (err) => isTerminal(err) && err.reason === 'InvalidApplianceSpec',
      );
    });
  },
);
