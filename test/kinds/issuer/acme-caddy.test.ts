/**
 * ACME end to end against real daemons on loopback: Pebble (the ACME server, with a TLS certificate
 * this test generates), a real Caddy configured by the Appliance's own CaddyService, and the Issuer
 * and Certificate reconcilers through the runtime's plan → admit → apply (harness.ts) on a fake
 * clock (renewal windows are reached by advancing it; Pebble's certificates live five years).
 * Pebble validates http-01 by fetching http://NAME:<Caddy's HTTP port>/ (its DNS, a dnsmasq on
 * loopback, answers 127.0.0.1), so the answer really goes through Caddy; what Caddy serves is
 * checked with our own TLS handshake (SNI) to its HTTPS port.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { connect } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApplianceDesired } from '../../../src/appliance/desired.js';
import { curl } from '../../../src/appliance/services/caddy-admin.js';
import { CaddyService } from '../../../src/appliance/services/caddy.js';
import { LocalTransport } from '../../../src/appliance/transport/local.js';
import type { Transport } from '../../../src/appliance/transport/types.js';
import { ManualClock } from '../../../src/core/clock.js';
import { isTerminal } from '../../../src/core/errors.js';
import type { StoredObject } from '../../../src/core/kind.js';
import type { ApplianceReach } from '../../../src/kinds/appliance/reach.js';
import { createCertificateReconciler } from '../../../src/kinds/certificate/reconciler.js';
import type { CertificateSpec } from '../../../src/kinds/certificate/schema.js';
import { readStored } from '../../../src/kinds/certificate/stored.js';
import { AcmeError } from '../../../src/kinds/issuer/acme/client.js';
import { accountKeyPath } from '../../../src/kinds/issuer/acme/account.js';
import { createIssuerReconciler } from '../../../src/kinds/issuer/reconciler.js';
import type { PveClient } from '../../../src/pve/types.js';
import { lab } from '../../appliance/fixtures.js';
import { freePort, startCaddyAdmin, stopChild, upstream } from '../../appliance/helpers.js';
import { skipWithoutBins, startPebble, type Pebble } from '../../helpers/pebble.js';
import { waitFor } from '../../helpers/wait.js';
import { seedAppliance } from '../certificate/appliance-fixture.js';
import { certObj, Harness, issuerObj, outcome } from '../certificate/harness.js';

const APP_IP = '127.0.0.10';
const realSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The leaf Caddy presents for `host` on the HTTPS port (our own handshake, SNI = host). */
function handshake(port: number, host: string): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, servername: host, rejectUnauthorized: false });
    s.setTimeout(10_000, () =>
      s.destroy(new Error(`TLS handshake to :${port} (${host}) timed out`)),
    );
    s.once('secureConnect', () => {
      const raw = s.getPeerCertificate().raw;
      s.end();
      resolve(new X509Certificate(raw));
    });
    s.once('error', reject);
  });
}

/** A transport that fails its next `writeFile`: the process "dies" right after storing. */
class CrashingTransport extends LocalTransport {
  crashNext = false;
  override async writeFile(path: string, content: string, opts?: { mode?: number }): Promise<void> {
    if (this.crashNext) {
      this.crashNext = false;
      throw new Error('simulated crash between issuance and install');
    }
    return super.writeFile(path, content, opts);
  }
}

describe(
  'acme Issuer + appliance target: Pebble validates through a real Caddy',
  { skip: skipWithoutBins('pebble', 'caddy', 'dnsmasq', 'curl') },
  () => {
    let dir = '';
    let dataDir = '';
    let caddy: ChildProcess | undefined;
    let app: { server: Server; port: number } | undefined;
    let pebble: Pebble | undefined;
    let adminListen = '';
    let httpPort = 0;
    let httpsPort = 0;
    const t = new CrashingTransport();
    const clock = new ManualClock(Date.now());
    const h = new Harness(clock);
    let reach: ApplianceReach;
    let appliance: CaddyService;
    let desired: ApplianceDesired;
    let issuers: ReturnType<typeof createIssuerReconciler>;
    let certs: ReturnType<typeof createCertificateReconciler>;
    const noPve = {} as PveClient; // the appliance target never calls Proxmox

    const issuer = (): ReturnType<typeof issuerObj> =>
      issuerObj('pebble', {
        acme: {
          server: pebble!.directoryUrl,
          email: 'ops@acme.test',
          caBundleFile: join(dir, 'pebble-ca.pem'),
          http01: { appliance: 'lan' },
        },
      });
    let cert: StoredObject<CertificateSpec>;
    const served = async (host = 'web.acme.test'): Promise<string> =>
      (await handshake(httpsPort, host)).fingerprint256;
    const stored = async (): Promise<{ fingerprint: string; serial: string }> => {
      const s = await readStored(dataDir, 'web');
      assert.ok(s && s !== 'unreadable', 'a stored certificate');
      return s;
    };

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'pxr-acme-caddy-'));
      dataDir = join(dir, 'data');
      app = await upstream('web', APP_IP);
      [httpPort, httpsPort] = [await freePort(), await freePort()];
      adminListen = `127.0.0.1:${await freePort()}`;
      caddy = await startCaddyAdmin(dir, adminListen);
      // The appliance's Caddy as the Appliance kind renders and loads it.
      const layout = { adminListen, bindHost: '127.0.0.1' };
      appliance = new CaddyService({ transport: t, layout });
      desired = lab({
        lan: { iface: 'lo', cidr: '127.0.0.1/8' },
        dhcp: { range: ['127.0.1.100', '127.0.1.200'], leaseTime: '1h' },
        proxy: { httpPort, httpsPort },
        hosts: [
          {
            hostname: 'web',
            mac: 'bc:24:11:00:00:01',
            ip: APP_IP,
            expose: [
              { host: 'web.acme.test', port: app.port },
              { host: 'www.acme.test', port: app.port },
            ],
          },
        ],
      });
      const loaded = await appliance.apply(desired);
      assert.deepEqual(loaded.remaining, []);
      pebble = await startPebble({ dir, httpPort, domain: 'acme.test' });
      await writeFile(join(dir, 'pebble-ca.pem'), pebble.caBundle);

      reach = {
        transportFor: () => Promise.resolve(t as Transport),
        layouts: { caddy: layout, certDir: join(dir, 'appliance-certs') },
      };
      certs = createCertificateReconciler({
        pve: noPve,
        dataDir,
        appliances: reach,
        acmeSleep: realSleep,
      });
      // The Appliance object as its reconciler left it: Ready, its container's VMID known.
      seedAppliance(h, 'lan', { httpPort, httpsPort, adminListen });
      cert = certObj('web', {
        issuerRef: { name: 'pebble', kind: 'Issuer' },
        dnsNames: ['web.acme.test'],
        targets: { appliance: { name: 'lan' }, files: [] },
      });
      issuers = createIssuerReconciler({ dataDir });
    });

    after(async () => {
      await pebble?.close();
      await stopChild(caddy);
      app?.server.close();
      await rm(dir, { recursive: true, force: true });
    });

    test('the Issuer registers its account (Ready); the key is kept 0600', async () => {
      const o = outcome(await h.pass(issuers, issuer()));
      assert.equal(o.notReady, undefined);
      assert.match(String(o.observed?.['accountUrl']), /^https:\/\/127\.0\.0\.1:\d+\/my-account\//);
      assert.equal(o.events?.[0]?.reason, 'AccountRegistered');
      assert.equal((await stat(accountKeyPath(dataDir, 'pebble'))).mode & 0o777, 0o600);
      const again = await h.plan(issuers, issuer());
      assert.ok(!(again instanceof Error));
      assert.deepEqual(again.changes, [], 'a registered account is not registered again');
    });

    test('full http-01 issuance through Caddy; Caddy serves it (TLS handshake with SNI)', async () => {
      const orders = pebble!.ordersCreated();
      const o = outcome(await h.pass(certs, cert));
      assert.equal(o.notReady, undefined, JSON.stringify(o));
      assert.equal(pebble!.ordersCreated() - orders, 1);
      assert.match(
        pebble!.output(),
        /Attempting to validate w\/ HTTP: http:\/\/web\.acme\.test:\d+\/\.well-known\/acme-challenge\//,
      );
      const s = await stored();
      assert.equal(await served(), s.fingerprint);
      const leaf = await handshake(httpsPort, 'web.acme.test');
      assert.match(leaf.issuer, /Pebble Intermediate CA/);
      assert.equal(leaf.checkHost('web.acme.test'), 'web.acme.test');
      // The challenge route is gone; the Appliance sees no drift and keeps the certificate loaded.
      const cfg = JSON.stringify(
        JSON.parse((await curl(t, { method: 'GET', url: `http://${adminListen}/config/` })).body),
      );
      assert.doesNotMatch(cfg, /"@id":"pxr-acme-/);
      assert.doesNotMatch(cfg, /PRIVATE KEY/, 'the key stays in a file, not in the Caddy config');
      assert.deepEqual(appliance.diff(desired, await appliance.observe()), []);
      const plan = await h.plan(certs, cert);
      assert.ok(!(plan instanceof Error));
      assert.deepEqual(plan.changes, [], 'converged: nothing to do');
      // Neither the certificate's key nor the account key reaches status, events or actions.
      const account = (await readFile(accountKeyPath(dataDir, 'pebble'), 'utf8')).split('\n')[1];
      const leafKey = (await readStored(dataDir, 'web')) as { key: string };
      const shown = JSON.stringify([o, [...h.status.values()]]);
      assert.ok(account && !shown.includes(account), 'no account key material');
      assert.ok(!shown.includes(leafKey.key.split('\n')[1]!), 'no certificate key material');
      assert.doesNotMatch(shown, /PRIVATE KEY/);
    });

    test('a certificate replaced in Caddy is drift, corrected and recorded', async () => {
      const s = await stored();
      // Someone reloads Caddy without pxr's certificate (Caddy falls back to its internal CA).
      const cfg = JSON.parse(
        (await curl(t, { method: 'GET', url: `http://${adminListen}/config/` })).body,
      ) as {
        apps: { tls: { certificates?: unknown } };
      };
      delete cfg.apps.tls.certificates;
      assert.equal(
        (
          await curl(t, {
            method: 'POST',
            url: `http://${adminListen}/load`,
            body: JSON.stringify(cfg),
          })
        ).status,
        200,
      );
      await waitFor(
        'Caddy to serve another certificate',
        async () => (await served()) !== s.fingerprint,
        20_000,
      );
      const o = outcome(await h.pass(certs, cert));
      assert.equal(o.drift?.[0]?.field, 'targets.appliance');
      assert.equal(o.driftCorrected, true);
      assert.equal(await served(), s.fingerprint);
    });

    test('the Appliance reloading its own config keeps the certificate served', async () => {
      const s = await stored();
      const changed = structuredClone(desired);
      changed.proxy.defaultSite = 'web.acme.test';
      const r = await appliance.apply(changed);
      assert.deepEqual(r.actions, ['POST /load']);
      assert.equal(await served(), s.fingerprint);
      await appliance.apply(desired);
    });

    test('a SAN change re-issues; both names are served', async () => {
      cert = {
        ...cert,
        generation: 2,
        spec: { ...cert.spec, dnsNames: ['web.acme.test', 'www.acme.test'] },
      };
      const o = outcome(await h.pass(certs, cert));
      assert.match(o.actions?.[0] ?? '', /\(names changed\)/);
      const s = await stored();
      assert.equal(await served('web.acme.test'), s.fingerprint);
      assert.equal(await served('www.acme.test'), s.fingerprint);
    });

    test('Pebble down: the pass fails with the ACME error (Warning, backoff); the old certificate stays served', async () => {
      const old = await stored();
      cert = { ...cert, generation: 3, spec: { ...cert.spec, dnsNames: ['web.acme.test'] } };
      await pebble!.stop();
      try {
        const r = await h.pass(certs, cert);
        assert.ok(r instanceof AcmeError, `an AcmeError, got ${JSON.stringify(r)}`);
        assert.ok(!isTerminal(r), 'retried with backoff, not stalled');
        assert.match(
          r.message,
          /^ACME connection: GET https:\/\/127\.0\.0\.1:\d+\/dir failed: ECONNREFUSED/,
        );
        assert.equal((await stored()).serial, old.serial);
        assert.equal(await served(), old.fingerprint);
      } finally {
        await pebble!.start();
      }
      // Back up (a new Pebble knows no account: pxr registers again with the same key).
      const o = outcome(await h.pass(certs, cert));
      assert.match(o.actions?.[0] ?? '', /issued serial/);
      assert.equal(await served(), (await stored()).fingerprint);
    });

    test('a crash between issuance and install: the next pass installs, no second order', async () => {
      cert = {
        ...cert,
        generation: 4,
        spec: { ...cert.spec, dnsNames: ['web.acme.test', 'www.acme.test'] },
      };
      const before = await stored();
      const orders = pebble!.ordersCreated();
      t.crashNext = true;
      const r = await h.pass(certs, cert);
      assert.ok(r instanceof Error && /simulated crash/.test(r.message), JSON.stringify(r));
      assert.equal(pebble!.ordersCreated() - orders, 1);
      const kept = await stored();
      assert.notEqual(
        kept.serial,
        before.serial,
        'the issued certificate was stored before the install',
      );
      assert.equal(await served(), before.fingerprint, 'still the old one served');
      // A new process: fresh reconciler, same data directory.
      const restarted = createCertificateReconciler({
        pve: noPve,
        dataDir,
        appliances: reach,
        acmeSleep: realSleep,
      });
      const plan = await h.plan(restarted, cert);
      assert.ok(!(plan instanceof Error));
      assert.deepEqual(
        plan.changes.map((c) => c.field),
        ['targets.appliance'],
      );
      const o = outcome(await h.pass(restarted, cert));
      assert.equal(pebble!.ordersCreated() - orders, 1, 'no second order');
      assert.equal(o.notReady, undefined);
      assert.equal(await served(), kept.fingerprint);
    });
    // Last: once the fake clock is past Pebble's real-time certificates, every later one is due.
    test('renewal when the window is reached: a new order, the new certificate served', async () => {
      const before = await stored();
      const renewAt = Date.parse(String(h.status.get('Certificate/web')?.observed['renewalTime']));
      clock.advance(renewAt - clock.now() + 1000);
      const orders = pebble!.ordersCreated();
      const o = outcome(await h.pass(certs, cert));
      assert.match(o.actions?.[0] ?? '', /issued serial .* \(renewal due since/);
      assert.equal(pebble!.ordersCreated() - orders, 1);
      const after = await stored();
      assert.notEqual(after.serial, before.serial);
      assert.equal(await served(), after.fingerprint);
    });
  },
);
