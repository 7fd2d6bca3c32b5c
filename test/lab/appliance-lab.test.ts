/**
 * Issue 5 acceptance, against the real daemons: an appliance namespace running dnsmasq, nftables,
 * Caddy and sshd; two app namespaces on a Linux bridge. pxr converges the appliance over its ssh
 * transport; the apps get their reserved addresses by real DHCP, find each other through dnsmasq and
 * are reached through Caddy by host name. Then reality is broken by hand, three ways, and each break
 * is drift that one resync pass detects, records and corrects. Topology: lab-net.ts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, connect, type Server } from 'node:net';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApplianceDesired } from '../../src/appliance/desired.js';
import type { DnsmasqLayout } from '../../src/appliance/render/dnsmasq.js';
import { CaddyService } from '../../src/appliance/services/caddy.js';
import { DnsmasqService } from '../../src/appliance/services/dnsmasq.js';
import { NftService } from '../../src/appliance/services/nftables.js';
import type { ApplianceService } from '../../src/appliance/services/types.js';
import { createSshTransport } from '../../src/appliance/transport/ssh.js';
import { systemClock } from '../../src/core/clock.js';
import { openStore, type Store } from '../../src/store/store.js';
import { waitFor } from '../helpers/wait.js';
import { startDhclient, type Dhclient, type LeaseInfo } from './lab-dhcp.js';
import { labSkip, requireLabTools } from './lab-env.js';
import {
  LAB,
  createLab,
  destroyLab,
  labNames,
  nsRun,
  removeLeftovers,
  setResolver,
  type AppName,
} from './lab-net.js';
import { LabProcs, startApp, startCaddyIn, startEcho, startRelay } from './lab-procs.js';
import { startSshdIn } from './lab-sshd.js';
import { CountingTransport } from './counting-transport.js';
import { resyncPass, type PassReport } from './resync.js';

const APP_PORT = 8080;
const ECHO_PORT = 8081;
const CADDY_ADMIN = '127.0.0.1:2019';
const REF = { kind: 'Appliance', name: 'lab-appliance' };

const desired: ApplianceDesired = {
  lan: { iface: 'lan0', cidr: LAB.lanCidr },
  wan: { iface: 'wan0' },
  dhcp: {
    range: ['10.20.0.100', '10.20.0.199'],
    leaseTime: '1h',
    reservedRange: ['10.20.0.10', '10.20.0.99'],
  },
  dns: {
    domain: 'prox.local',
    upstream: [LAB.upstreamAddr],
    records: [{ name: 'gw.prox.local', type: 'A', value: LAB.gateway }],
  },
  nat: { enabled: true, masqueradeFrom: '10.20.0.0/24', outIface: 'wan0' },
  proxy: { httpPort: 80 },
  hosts: LAB.apps.map((a) => ({
    hostname: a.name,
    mac: a.mac,
    ip: a.ip,
    expose: [{ host: `${a.name}.example.test`, port: APP_PORT }],
  })),
};

/** `curl` inside a namespace; resolves with status and body, or the curl failure. */
async function curlIn(
  ns: string,
  url: string,
  host?: string,
  timeoutS = 5,
): Promise<{ ok: true; status: number; body: string } | { ok: false; error: string }> {
  const argv = ['curl', '-sS', '-m', String(timeoutS), '-w', '\n%{http_code}'];
  if (host) argv.push('-H', `Host: ${host}`);
  argv.push('--', url);
  try {
    const out = await nsRun(ns, argv, (timeoutS + 5) * 1000);
    const at = out.lastIndexOf('\n');
    return { ok: true, body: out.slice(0, at), status: Number(out.slice(at + 1)) };
  } catch (err) {
    return { ok: false, error: (err as { stderr?: string }).stderr ?? String(err) };
  }
}

/** IPv4 addresses `name` resolves to inside `ns` ([] when it does not resolve). */
async function resolveIn(ns: string, name: string): Promise<string[]> {
  try {
    const out = await nsRun(ns, ['getent', 'ahostsv4', name]);
    return [...new Set(out.split('\n').map((l) => l.split(/\s+/)[0] ?? ''))].filter(Boolean);
  } catch {
    // getent exits 2 for "not found": an answer here, not an error.
    return [];
  }
}

describe(
  'appliance lab: real dnsmasq, nftables, Caddy and sshd in network namespaces, converged by pxr over ssh',
  { skip: labSkip(), timeout: 120_000 },
  () => {
    const names = labNames();
    const procs = new LabProcs();
    let dir = '';
    let relay: Server | undefined;
    let transport: CountingTransport | undefined;
    let store: Store | undefined;
    let services: ApplianceService<unknown>[] = [];
    let layout: DnsmasqLayout;
    const clients = new Map<AppName, Dhclient>();
    const leases = new Map<AppName, LeaseInfo>();
    const other = (a: AppName): AppName => (a === 'app1' ? 'app2' : 'app1');
    const nsOf = (a: AppName): string => names[a];
    const timings: string[] = [];
    const pass = async (label: string): Promise<PassReport> => {
      assert.ok(store && transport);
      const calls = transport.calls;
      const started = performance.now();
      const r = await resyncPass(services, desired, store, REF);
      timings.push(
        `${label}: ${Math.round(performance.now() - started)} ms, ${transport.calls - calls} transport calls`,
      );
      return r;
    };

    before(async () => {
      requireLabTools();
      await removeLeftovers(names, tmpdir());
      dir = await mkdtemp(join(tmpdir(), `pxrlab-${process.pid}-`));
      // dnsmasq reads its folders after dropping root: mkdtemp's 0700 would hide them.
      await chmod(dir, 0o755);
      const appl = join(dir, 'appl');
      await mkdir(appl, { recursive: true, mode: 0o755 });
      await createLab(names);

      // sshd on the appliance's LAN address; pxr reaches it from the root namespace's loopback
      // through a relay in the `lan` namespace (the host gets no LAN route).
      const sshd = await startSshdIn(procs, names.appl, dir, LAB.gateway);
      const sock = join(dir, 'ssh-relay.sock');
      await startRelay(procs, names.lan, sock, LAB.gateway, 22);
      relay = createServer((c) => {
        const u = connect(sock);
        c.pipe(u).pipe(c);
        c.on('error', () => u.destroy());
        u.on('error', () => c.destroy());
      });
      relay.listen(0, '127.0.0.1');
      await once(relay, 'listening');
      const addr = relay.address();
      if (addr === null || typeof addr === 'string') throw new Error('relay has no port');
      transport = new CountingTransport(
        createSshTransport({
          host: '127.0.0.1',
          port: addr.port,
          username: 'root',
          privateKey: sshd.clientKey,
          hostKeyFingerprint: sshd.hostFingerprint,
          connectTimeoutMs: 10_000,
        }),
      );

      await startCaddyIn(procs, names.appl, dir, CADDY_ADMIN);
      await startEcho(procs, names.wan, LAB.upstreamAddr, ECHO_PORT);

      layout = {
        confPath: join(appl, 'dnsmasq.conf'),
        dhcpHostsDir: join(appl, 'dhcp-hosts'),
        hostsDir: join(appl, 'hosts'),
        leaseFile: join(appl, 'dnsmasq.leases'),
        pidFile: join(appl, 'dnsmasq.pid'),
        port: 53,
      };
      services = [
        new DnsmasqService({ transport, layout, clock: systemClock }),
        new NftService({
          transport,
          layout: { rulesPath: join(appl, 'pxr.nft'), sysctlPath: join(appl, '99-pxr.conf') },
        }),
        new CaddyService({
          transport,
          layout: { adminListen: CADDY_ADMIN, bindHost: '' },
          probeTimeoutMs: 3000,
        }),
      ];
      store = openStore(join(dir, 'pxr.db'), { clock: systemClock });
    });

    after(async () => {
      // What a resync pass costs over ssh, printed with the results (the report quotes it).
      for (const t of timings) console.log(`# lab pass ${t}`);
      const errors: unknown[] = [];
      const step = async (f: () => Promise<unknown>): Promise<void> => {
        try {
          await f();
        } catch (err) {
          errors.push(err);
        }
      };
      await step(async () => transport?.close());
      // dnsmasq daemonizes (pxr starts it): stopped by the pid in its pid file, never by name.
      await step(async () => {
        const pid = Number((await readFile(layout.pidFile, 'utf8').catch(() => '')).trim());
        if (Number.isInteger(pid) && pid > 0) process.kill(pid, 'SIGTERM');
      });
      await step(() => procs.stopAll());
      await step(
        () => new Promise<void>((resolve) => (relay ? relay.close(() => resolve()) : resolve())),
      );
      // Deleting the namespaces also kills anything still inside them.
      await step(() => destroyLab(names));
      await step(async () => store?.close());
      if (dir) await step(() => rm(dir, { recursive: true, force: true }));
      if (errors.length > 0) throw new AggregateError(errors, 'lab teardown failed');
    });

    test('the first resync pass converges dnsmasq, nftables and Caddy through the ssh transport', async () => {
      const r = await pass('first');
      assert.deepEqual(r.remainingFields, [], 'read back after the apply matches desired');
      assert.ok(r.actions.includes('dnsmasq: start'), r.actions.join('\n'));
      assert.ok(r.actions.includes(`nftables: nft -f ${join(dir, 'appl', 'pxr.nft')}`));
      assert.ok(r.actions.includes('caddy: POST /load'));
      // Nothing listens behind the routes yet: a warning per route, not drift.
      assert.deepEqual(
        r.warnings.map((w) => w.split(' ').slice(0, 3).join(' ')),
        [
          'caddy: RouteNotAnswering app1.example.test/',
          'caddy: RouteNotAnswering app2.example.test/',
        ],
      );
      const nft = await nsRun(names.appl, ['nft', 'list', 'table', 'inet', 'pxr']);
      assert.match(nft, /masquerade/);
      assert.equal((await nsRun(names.appl, ['sysctl', '-n', 'net.ipv4.ip_forward'])).trim(), '1');
    });

    test('each app obtains its reserved address, router and DNS server by real DHCP (dhclient)', async () => {
      for (const app of LAB.apps)
        clients.set(app.name, await startDhclient(procs, nsOf(app.name), dir, app.name));
      for (const app of LAB.apps) {
        const lease = await (clients.get(app.name) as Dhclient).lease();
        leases.set(app.name, lease);
        assert.equal(lease.ip, app.ip, `${app.name} got its reservation`);
        assert.equal(lease.routers, LAB.gateway);
        assert.equal(lease.dns, LAB.gateway);
        // Option 119 comes as DNS names, with the root's trailing dot.
        assert.equal(lease.search.replace(/\.$/, ''), 'prox.local');
        const addrs = await nsRun(nsOf(app.name), [
          'ip',
          '-4',
          '-o',
          'addr',
          'show',
          'dev',
          'eth0',
        ]);
        assert.match(addrs, new RegExp(`inet ${app.ip.replaceAll('.', '\\.')}/24 `));
        await setResolver(nsOf(app.name), lease.dns, lease.search);
      }
      // Observed reality includes dnsmasq's lease file: the addresses the apps really hold.
      const dnsmasq = services[0] as DnsmasqService;
      const observed = await dnsmasq.observe();
      assert.deepEqual(
        observed.leases.map((l) => [l.mac, l.ip, l.hostname]).sort(),
        LAB.apps.map((a) => [a.mac, a.ip, a.name]),
      );
    });

    test("each app resolves the other's name through dnsmasq", async () => {
      for (const app of LAB.apps) {
        const peer = LAB.apps.find((a) => a.name === other(app.name));
        assert.ok(peer);
        assert.deepEqual(await resolveIn(nsOf(app.name), `${peer.name}.prox.local`), [peer.ip]);
        // The short name too, through the search domain the lease handed out.
        assert.deepEqual(await resolveIn(nsOf(app.name), peer.name), [peer.ip]);
        assert.deepEqual(await resolveIn(nsOf(app.name), 'nobody.prox.local'), []);
      }
    });

    test("a request through Caddy with an app's host name reaches the server in that app's namespace", async () => {
      for (const app of LAB.apps) await startApp(procs, nsOf(app.name), app.name, app.ip, APP_PORT);
      for (const app of LAB.apps) {
        // Asked from the other app, through the appliance's proxy port on the LAN.
        const r = await curlIn(
          nsOf(other(app.name)),
          `http://${LAB.gateway}/hello`,
          `${app.name}.example.test`,
        );
        assert.deepEqual(r, {
          ok: true,
          status: 200,
          body: `${app.name} /hello host=${app.name}.example.test`,
        });
      }
      const unknown = await curlIn(names.app1, `http://${LAB.gateway}/`, 'nobody.example.test');
      assert.deepEqual(unknown, { ok: true, status: 404, body: 'no site for this host\n' });
    });

    test('LAN traffic to the WAN is forwarded and masqueraded as the appliance', async () => {
      const r = await curlIn(names.app1, `http://${LAB.upstreamAddr}:${ECHO_PORT}/`);
      assert.deepEqual(r, { ok: true, status: 200, body: `from ${LAB.wanAddr}` });
    });

    test('a Caddy route deleted through the admin API is detected and restored in one pass, drift recorded', async () => {
      const route = await curlIn(names.appl, `http://${CADDY_ADMIN}/id/pxr-app1.example.test`);
      assert.equal(route.ok && route.status, 200, 'the route is addressable by its @id');
      await nsRun(names.appl, [
        'curl',
        '-sSf',
        '-X',
        'DELETE',
        `http://${CADDY_ADMIN}/id/pxr-app1.example.test`,
      ]);
      const broken = await curlIn(names.app2, `http://${LAB.gateway}/`, 'app1.example.test');
      assert.deepEqual(broken, { ok: true, status: 404, body: 'no site for this host\n' });

      const r = await pass('after caddy route deleted');
      const field = 'caddy.apps.http.servers.pxr.routes[pxr-app1.example.test]';
      assert.deepEqual(r.driftFields, [field]);
      assert.deepEqual(r.actions, ['caddy: POST /load']);
      assert.deepEqual(r.remainingFields, []);
      const fixed = await curlIn(names.app2, `http://${LAB.gateway}/`, 'app1.example.test');
      assert.deepEqual(fixed, { ok: true, status: 200, body: 'app1 / host=app1.example.test' });
      const rec = store?.drift.list(REF).find((d) => d.field === field);
      assert.ok(rec, 'drift recorded in the store');
      assert.equal(rec.corrected, true);
      assert.equal(rec.actual, null, 'the route was missing');
    });

    test('the dnsmasq config edited by hand (and dnsmasq restarted) is detected and corrected in one pass', async () => {
      // A person changes a record and restarts dnsmasq: the LAN now gets a wrong answer.
      const conf = await readFile(layout.confPath, 'utf8');
      const good = `host-record=gw.prox.local,${LAB.gateway}`;
      const bad = 'host-record=gw.prox.local,192.0.2.66';
      assert.ok(conf.includes(good));
      await writeFile(layout.confPath, conf.replace(good, bad));
      const oldPid = Number((await readFile(layout.pidFile, 'utf8')).trim());
      process.kill(oldPid, 'SIGTERM');
      await waitFor('the old dnsmasq to exit', () => {
        try {
          process.kill(oldPid, 0);
          return undefined;
        } catch {
          return true;
        }
      });
      await nsRun(names.appl, ['dnsmasq', '-C', layout.confPath]);
      await waitFor('the wrong answer', async () =>
        (await resolveIn(names.app1, 'gw.prox.local'))[0] === '192.0.2.66' ? true : undefined,
      );
      const handPid = Number((await readFile(layout.pidFile, 'utf8')).trim());

      const r = await pass('after dnsmasq edited');
      assert.deepEqual(r.driftFields, ['dnsmasq.conf']);
      const item = r.reports[0]?.drift[0];
      assert.equal(item?.desired, good);
      assert.equal(item?.actual, bad);
      assert.deepEqual(r.actions, [`dnsmasq: wrote ${layout.confPath}`, 'dnsmasq: restart']);
      assert.deepEqual(r.remainingFields, []);
      assert.notEqual(Number((await readFile(layout.pidFile, 'utf8')).trim()), handPid);
      assert.deepEqual(await resolveIn(names.app1, 'gw.prox.local'), [LAB.gateway]);
      assert.deepEqual(await resolveIn(names.app1, 'app2.prox.local'), ['10.20.0.12']);
      const rec = store?.drift.list(REF).find((d) => d.field === 'dnsmasq.conf');
      assert.equal(rec?.corrected, true);
      assert.equal(rec?.actual, bad);
    });

    test('the nft table flushed by hand breaks NAT; one pass detects it, restores it, and records the drift', async () => {
      const since = Date.now();
      await nsRun(names.appl, ['nft', 'flush', 'table', 'inet', 'pxr']);
      // The chains stay with their drop policy: the LAN is cut off from the WAN.
      const cut = await curlIn(
        names.app1,
        `http://${LAB.upstreamAddr}:${ECHO_PORT}/`,
        undefined,
        2,
      );
      assert.equal(cut.ok, false);

      const r = await pass('after nft flushed');
      assert.deepEqual(r.driftFields, [
        'nftables.chain.forward.rules',
        'nftables.chain.postrouting.rules',
      ]);
      assert.deepEqual(r.actions, [`nftables: nft -f ${join(dir, 'appl', 'pxr.nft')}`]);
      assert.deepEqual(r.remainingFields, []);
      const back = await curlIn(names.app1, `http://${LAB.upstreamAddr}:${ECHO_PORT}/`);
      assert.deepEqual(back, { ok: true, status: 200, body: `from ${LAB.wanAddr}` });
      const recs = store?.drift.list(REF).filter((d) => d.detectedAt >= since) ?? [];
      assert.deepEqual(recs.map((d) => [d.field, d.corrected, d.actual]).sort(), [
        ['nftables.chain.forward.rules', true, ''],
        ['nftables.chain.postrouting.rules', true, ''],
      ]);
    });

    test('after the three repairs a fresh pass finds nothing to do, every route answers, and the store shows each break corrected', async () => {
      const r = await pass('after the repairs');
      assert.deepEqual(r.driftFields, []);
      assert.deepEqual(r.actions, []);
      assert.deepEqual(r.warnings, []);
      assert.deepEqual(store?.drift.open(REF), []);
      const corrected = new Set(
        store?.drift
          .list(REF)
          .filter((d) => d.corrected)
          .map((d) => d.field),
      );
      for (const field of [
        'caddy.apps.http.servers.pxr.routes[pxr-app1.example.test]',
        'dnsmasq.conf',
        'nftables.chain.forward.rules',
        'nftables.chain.postrouting.rules',
      ])
        assert.ok(corrected.has(field), `${field} recorded as corrected drift`);
    });
  },
);
