/**
 * An `acme` Issuer under the real runtime (`pxr run` wiring, the simulator, SQLite): while its ACME
 * server cannot be reached, each pass fails with a Warning event naming the ACME error and is
 * retried with the runtime's backoff; a Certificate of that Issuer waits (IssuerNotReady) and is not
 * issued. Pointing the Issuer at a running Pebble (a spec change: no backoff wait) registers the
 * account: Ready, AccountRegistered.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../appliance/helpers.js';
import { startHarness, type Harness } from '../../e2e/harness.js';
import { skipWithoutBins, startPebble, type Pebble } from '../../helpers/pebble.js';
import { waitFor } from '../../helpers/wait.js';

const issuerDoc = (server: string, caBundleFile?: string): string => `apiVersion: pxr/v1alpha1
kind: Issuer
metadata: { name: acme }
spec:
  acme:
    server: ${server}
    email: ops@acme.test
${caBundleFile ? `    caBundleFile: ${caBundleFile}\n` : ''}`;

const CERT = `apiVersion: pxr/v1alpha1
kind: Certificate
metadata: { name: shop }
spec:
  issuerRef: { name: acme }
  dnsNames: [shop.acme.test]
  targets: { node: { name: pve } }
`;

describe(
  'acme Issuer with its server down, under the runtime',
  { skip: skipWithoutBins('pebble', 'dnsmasq') },
  () => {
    let h: Harness;
    let pebble: Pebble | undefined;
    let down = '';

    before(async () => {
      down = `https://127.0.0.1:${await freePort()}/dir`;
      h = await startHarness({ files: { 'issuer.yaml': issuerDoc(down), 'cert.yaml': CERT } });
    });
    after(async () => {
      await h.close();
      await pebble?.close();
    });

    const ready = (kind: string, name: string): boolean | undefined =>
      h.app.store.status
        .get({ kind, name })
        ?.conditions.some((c) => c.type === 'Ready' && c.status === 'True');

    test('unreachable: Warning events naming the ACME error, retried; the certificate waits', async () => {
      const warnings = (): number =>
        h.app.store.events
          .list({ ref: { kind: 'Issuer', name: 'acme' } })
          .filter((e) => e.type === 'Warning')
          .reduce((n, e) => n + e.count, 0);
      await waitFor('three failed passes of Issuer/acme', () => warnings() >= 3, 30_000);
      const w = h.app.store.events
        .list({ ref: { kind: 'Issuer', name: 'acme' } })
        .find((e) => e.type === 'Warning');
      assert.match(
        w?.message ?? '',
        /ACME connection: GET https:\/\/127\.0\.0\.1:\d+\/dir failed: ECONNREFUSED/,
      );
      assert.ok(!ready('Issuer', 'acme'));
      const cert = h.app.store.status.get({ kind: 'Certificate', name: 'shop' });
      assert.ok(
        cert?.conditions.some((c) => c.type === 'Ready' && c.reason === 'IssuerNotReady'),
        JSON.stringify(cert?.conditions),
      );
      assert.ok(!existsSync(join(h.dir, 'certs', 'certificates', 'shop.pem')), 'nothing issued');
    });

    test('pointed at a running Pebble: the account is registered, Ready', async () => {
      pebble = await startPebble({ dir: h.dir, httpPort: await freePort(), domain: 'acme.test' });
      const bundle = join(h.dir, 'pebble-ca.pem');
      writeFileSync(bundle, pebble.caBundle);
      h.write('issuer.yaml', issuerDoc(pebble.directoryUrl, bundle));
      await waitFor('Issuer/acme Ready', () => ready('Issuer', 'acme'), 30_000);
      const events = h.app.store.events.list({ ref: { kind: 'Issuer', name: 'acme' } });
      assert.ok(
        events.some((e) => e.reason === 'AccountRegistered'),
        JSON.stringify(events),
      );
      const st = h.app.store.status.get({ kind: 'Issuer', name: 'acme' });
      assert.match(String(st?.observed['accountUrl']), /\/my-account\//);
    });
  },
);
