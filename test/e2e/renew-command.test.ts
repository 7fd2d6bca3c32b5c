/**
 * `pxr renew certificate/NAME` against a running controller (startControllerApp, the simulator over
 * HTTP): the certificate is issued again now, once per request, and nothing else is renewed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait.js';
import { startHarness, type Harness } from './harness.js';

const docs = `apiVersion: pxr/v1alpha1
kind: Issuer
metadata:
  name: ca
spec:
  ca:
    commonName: test CA
---
apiVersion: pxr/v1alpha1
kind: Certificate
metadata:
  name: web
spec:
  issuerRef: { name: ca }
  commonName: web.example.internal
  dnsNames: [web.example.internal]
---
apiVersion: pxr/v1alpha1
kind: Certificate
metadata:
  name: api
spec:
  issuerRef: { name: ca }
  commonName: api.example.internal
  dnsNames: [api.example.internal]
`;

describe('pxr renew', () => {
  let h: Harness;
  const serial = (name: string): unknown =>
    h.app.store.status.get({ kind: 'Certificate', name })?.observed['serial'];
  before(async () => {
    h = await startHarness({ resyncMs: 3_600_000 });
    h.write('certs.yaml', docs);
    await waitFor('both certificates issued', () => serial('web') && serial('api'), 60_000);
  });
  after(() => h.close());

  test('issues the certificate again now and prints the new one; the other is untouched', async () => {
    const web = serial('web');
    const api = serial('api');
    const r = await runCli(['renew', 'certificate/web', '--db', h.db], h.dir);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^certificate\/web: renewal requested\n/);
    assert.notEqual(serial('web'), web, 'a new certificate was issued');
    assert.match(r.out, new RegExp(`serial ${String(serial('web'))}, expires `));
    assert.equal(serial('api'), api);
  });

  test('a request is served once: the next pass keeps the renewed certificate', async () => {
    const web = serial('web');
    const r = await runCli(['reconcile', 'certificate/web', '--db', h.db], h.dir);
    assert.equal(r.code, 0, r.err);
    assert.equal(serial('web'), web);
  });

  test('only certificates are renewed, and an unknown one is one line and exit 1', async () => {
    const wrong = await runCli(['renew', 'bridge/lan', '--db', h.db], h.dir);
    assert.equal(wrong.code, 2);
    assert.match(wrong.err, /renews certificates, not Bridge/);
    const missing = await runCli(['renew', 'certificate/nope', '--db', h.db], h.dir);
    assert.equal(missing.code, 1);
    assert.equal(missing.err, 'pxr renew: certificate/nope not found\n');
  });
});
