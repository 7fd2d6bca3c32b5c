/**
 * The appliance target on the simulated appliance (what `npm start` runs): the Certificate kind
 * installs into the same in-memory Caddy the Appliance's CaddyService loaded, checks what the HTTPS
 * port presents for each host (the simulated curl prints the loaded certificate, as `%{certs}` does),
 * corrects a certificate dropped behind its back (drift), survives the Appliance reloading its own
 * config, and waits while the Appliance is not Ready.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { servedCertificate } from '../../../src/appliance/services/caddy-certs.js';
import { CaddyService } from '../../../src/appliance/services/caddy.js';
import { SimulatedTransport } from '../../../src/appliance/transport/simulated.js';
import { ManualClock } from '../../../src/core/clock.js';
import type { ApplianceReach } from '../../../src/kinds/appliance/reach.js';
import { createCertificateReconciler } from '../../../src/kinds/certificate/reconciler.js';
import { readStored } from '../../../src/kinds/certificate/stored.js';
import { createIssuerReconciler } from '../../../src/kinds/issuer/reconciler.js';
import type { PveClient } from '../../../src/pve/types.js';
import { lab } from '../../appliance/fixtures.js';
import { seedAppliance } from './appliance-fixture.js';
import { certObj, Harness, issuerObj, outcome } from './harness.js';

describe("Certificate target: an Appliance's Caddy (simulated appliance)", () => {
  const clock = new ManualClock(Date.UTC(2026, 5, 1, 12, 0, 0));
  const dataDir = mkdtempSync(join(tmpdir(), 'pxr-cert-app-'));
  const h = new Harness(clock);
  const t = new SimulatedTransport();
  const layout = { adminListen: '127.0.0.1:2019', bindHost: '' };
  const caddy = new CaddyService({ transport: t, layout });
  const desired = lab({ proxy: { httpPort: 80, httpsPort: 443, defaultSite: 'web.example.test' } });
  const reach: ApplianceReach = { transportFor: () => Promise.resolve(t), layouts: {} };
  const issuers = createIssuerReconciler({ dataDir });
  const certs = createCertificateReconciler({
    pve: {} as PveClient,
    dataDir,
    appliances: reach,
  });
  const ca = issuerObj('ca', { ca: { duration: '87600h' } });
  const cert = certObj('web', {
    dnsNames: ['web.example.test'],
    targets: { appliance: { name: 'gw' }, files: [] },
  });
  const servedFp = async (): Promise<string | undefined> => {
    const pem = await servedCertificate(
      {
        transport: t,
        adminListen: layout.adminListen,
        address: '127.0.0.1',
        httpPort: 80,
        httpsPort: 443,
        certDir: '/x',
      },
      'web.example.test',
    );
    return pem && new X509Certificate(pem).fingerprint256;
  };
  const storedFp = async (): Promise<string> => {
    const s = await readStored(dataDir, 'web');
    assert.ok(s && s !== 'unreadable');
    return s.fingerprint;
  };
  const setAppliance = (ready: boolean): void =>
    seedAppliance(h, 'gw', { httpPort: 80, httpsPort: 443 }, ready);

  before(async () => {
    await caddy.apply(desired);
    outcome(await h.pass(issuers, ca));
  });

  test('while the Appliance is not Ready the certificate waits (no error)', async () => {
    setAppliance(false);
    const o = outcome(await h.pass(certs, cert));
    assert.equal(o.notReady?.reason, 'TargetNotReady');
    assert.match(o.notReady?.message ?? '', /Appliance\/gw is not ready yet/);
  });

  test('installed into Caddy (key in a file, only paths in the config) and presented on 443', async () => {
    setAppliance(true);
    const o = outcome(await h.pass(certs, cert));
    assert.equal(o.notReady, undefined, JSON.stringify(o));
    assert.match(o.actions?.join('\n') ?? '', /installed serial .* on Appliance\/gw caddy :443/);
    assert.equal(await servedFp(), await storedFp());
    assert.match(t.files['/etc/caddy/pxr-certs/web.key'] ?? '', /PRIVATE KEY/);
    assert.doesNotMatch(JSON.stringify(t.caddy.config), /PRIVATE KEY/);
    assert.deepEqual(caddy.diff(desired, await caddy.observe()), [], 'no drift for the Appliance');
    const plan = await h.plan(certs, cert);
    assert.ok(!(plan instanceof Error));
    assert.deepEqual(plan.changes, []);
  });

  test('the Appliance reloading its own config keeps the certificate loaded', async () => {
    const changed = structuredClone(desired);
    delete changed.proxy.defaultSite;
    const r = await caddy.apply(changed);
    assert.deepEqual(r.actions, ['POST /load']);
    assert.equal(await servedFp(), await storedFp());
    await caddy.apply(desired);
  });

  test("a certificate dropped behind pxr's back is drift, corrected and recorded", async () => {
    // Someone edits Caddy's running config by hand (the simulated one, in place).
    const cfg = t.caddy.config as { apps: { tls: { certificates?: unknown } } };
    delete cfg.apps.tls.certificates;
    assert.equal(await servedFp(), undefined);
    const o = outcome(await h.pass(certs, cert));
    assert.equal(o.drift?.[0]?.field, 'targets.appliance');
    assert.equal(o.driftCorrected, true);
    assert.equal(await servedFp(), await storedFp());
  });
});
