/**
 * The Issuer kind: what it signs, checked with node:crypto alone (chain, SANs with IP SANs,
 * validity, key match) for every key algorithm; and its reconciler on a real data directory — the
 * CA created once (key 0600) and kept across restarts, a key without its certificate reused, and
 * supplied files loaded or refused with the file and the fix named.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../../src/core/clock.js';
import { caPaths } from '../../../src/kinds/issuer/ca-source.js';
import {
  createCaCert,
  generateKey,
  signLeaf,
  type KeySpec,
} from '../../../src/kinds/issuer/pki.js';
import { createIssuerReconciler } from '../../../src/kinds/issuer/reconciler.js';
import { Harness, issuerObj, outcome } from '../certificate/harness.js';

const dir = mkdtempSync(join(tmpdir(), 'pxr-issuer-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const T0 = Date.UTC(2026, 5, 1, 12, 0, 0);
const DAY = 86_400_000;

const KEYS: KeySpec[] = [
  { algorithm: 'ECDSA', size: 256 },
  { algorithm: 'ECDSA', size: 384 },
  { algorithm: 'RSA', size: 2048 },
  { algorithm: 'Ed25519' },
];

describe('issuance, verified with node:crypto', () => {
  for (const k of KEYS) {
    test(`a ${k.algorithm} ${k.size ?? ''} CA signs an ECDSA leaf with DNS and IP SANs`, async () => {
      const caKey = await generateKey(k);
      const caPem = await createCaCert(caKey, 'CN=test CA', {
        notBefore: new Date(T0),
        notAfter: new Date(T0 + 3650 * DAY),
      });
      const ca = new X509Certificate(caPem);
      assert.equal(ca.ca, true, 'the CA certificate says CA:TRUE');
      assert.ok(ca.verify(ca.publicKey), 'the CA is self-signed');
      assert.ok(ca.checkPrivateKey(createPrivateKey(caKey)), 'the CA key matches');
      const leafKey = await generateKey({ algorithm: 'ECDSA' });
      const leafPem = await signLeaf(
        {
          commonName: 'pve.lab.internal',
          dnsNames: ['pve.lab.internal', 'pve'],
          ipAddresses: ['172.16.100.2', 'fd00::2'],
          keyPem: leafKey,
          notBefore: new Date(T0),
          notAfter: new Date(T0 + 30 * DAY),
        },
        { cert: caPem, key: caKey },
      );
      const leaf = new X509Certificate(leafPem);
      assert.ok(leaf.checkIssued(ca), 'the leaf names the CA as issuer');
      assert.ok(leaf.verify(ca.publicKey), "the leaf's signature verifies with the CA key");
      assert.equal(leaf.ca, false);
      assert.ok(leaf.checkPrivateKey(createPrivateKey(leafKey)), 'the leaf key matches');
      assert.equal(
        leaf.subjectAltName,
        'DNS:pve.lab.internal, DNS:pve, IP Address:172.16.100.2, IP Address:FD00:0:0:0:0:0:0:2',
      );
      assert.equal(leaf.checkIP('172.16.100.2'), '172.16.100.2');
      assert.equal(leaf.checkHost('pve.lab.internal'), 'pve.lab.internal');
      assert.equal(Date.parse(leaf.validFrom), T0);
      assert.equal(Date.parse(leaf.validTo), T0 + 30 * DAY);
      assert.match(leaf.subject, /CN=pve\.lab\.internal/);
    });
  }

  test('a self-signed leaf signs itself (issuer = subject), with IP SANs only', async () => {
    const key = await generateKey({ algorithm: 'Ed25519' });
    const pem = await signLeaf(
      {
        dnsNames: [],
        ipAddresses: ['10.0.0.1'],
        keyPem: key,
        notBefore: new Date(T0),
        notAfter: new Date(T0 + DAY),
      },
      undefined,
    );
    const c = new X509Certificate(pem);
    assert.ok(c.verify(c.publicKey));
    assert.equal(c.issuer, c.subject);
    assert.equal(c.subjectAltName, 'IP Address:10.0.0.1');
    assert.equal(createPublicKey(key).asymmetricKeyType, c.publicKey.asymmetricKeyType);
  });
});

describe('Issuer reconciler', () => {
  const clock = new ManualClock(T0);
  const data = join(dir, 'data');

  test('ca: created on first use (key 0600 in a 0700 folder), then kept across restarts', async () => {
    const h = new Harness(clock);
    const ca = issuerObj('ca', { ca: { duration: '87600h', privateKey: { algorithm: 'ECDSA' } } });
    const rec = createIssuerReconciler({ dataDir: data });
    const plan = await h.plan(rec, ca);
    assert.ok(!(plan instanceof Error));
    assert.deepEqual(
      plan.changes.map((c) => c.field),
      ['ca'],
      'the first plan creates the CA',
    );
    const o = outcome(await h.pass(rec, ca));
    assert.equal(o.notReady, undefined);
    assert.equal(o.events?.[0]?.reason, 'CACreated');
    const paths = caPaths(data, 'ca');
    assert.equal(statSync(paths.key).mode & 0o777, 0o600);
    assert.equal(statSync(join(data, 'certs')).mode & 0o777, 0o700);
    const cert = new X509Certificate(readFileSync(paths.cert));
    assert.equal(o.observed?.['fingerprint'], cert.fingerprint256);
    assert.equal(Date.parse(cert.validTo), T0 + 87_600 * 3_600_000);

    const again = createIssuerReconciler({ dataDir: data });
    const p2 = await h.plan(again, ca);
    assert.ok(!(p2 instanceof Error));
    assert.deepEqual(p2.changes, [], 'a restarted controller finds the CA');
    assert.equal(outcome(await h.pass(again, ca)).observed?.['fingerprint'], cert.fingerprint256);
  });

  test('a key written without its certificate (a crash between the writes) is reused', async () => {
    const h = new Harness(clock);
    const ca = issuerObj('ca2', { ca: { duration: '87600h' } });
    const rec = createIssuerReconciler({ dataDir: data });
    outcome(await h.pass(rec, ca));
    const paths = caPaths(data, 'ca2');
    const before = new X509Certificate(readFileSync(paths.cert)).publicKey.export({
      type: 'spki',
      format: 'pem',
    });
    rmSync(paths.cert);
    outcome(await h.pass(rec, ca));
    const now = new X509Certificate(readFileSync(paths.cert)).publicKey.export({
      type: 'spki',
      format: 'pem',
    });
    assert.equal(now, before);
  });

  test('certFile/keyFile: a CA is loaded; a loose, wrong or non-CA file is refused by name', async () => {
    const h = new Harness(clock);
    const key = await generateKey({ algorithm: 'ECDSA' });
    const certPem = await createCaCert(key, 'CN=mesh CA', {
      notBefore: new Date(T0 - DAY),
      notAfter: new Date(T0 + 365 * DAY),
    });
    const certFile = join(dir, 'mesh.crt');
    const keyFile = join(dir, 'mesh.key');
    writeFileSync(certFile, certPem);
    writeFileSync(keyFile, key, { mode: 0o600 });
    const rec = createIssuerReconciler({ dataDir: data });
    const mesh = issuerObj('mesh', { ca: { certFile, keyFile, duration: '87600h' } });
    const o = outcome(await h.pass(rec, mesh));
    assert.equal(o.observed?.['fingerprint'], new X509Certificate(certPem).fingerprint256);

    chmodSync(keyFile, 0o644);
    const loose = await h.pass(rec, mesh);
    assert.ok(loose instanceof Error);
    assert.match(loose.message, /mesh\.key.*chmod 600/);
    assert.ok(!loose.message.includes('PRIVATE'), 'the error shows no key material');

    writeFileSync(keyFile, await generateKey({ algorithm: 'ECDSA' }), { mode: 0o600 });
    chmodSync(keyFile, 0o600);
    const wrong = await h.pass(rec, mesh);
    assert.ok(wrong instanceof Error);
    assert.match(wrong.message, /does not belong to the CA certificate/);

    const leafKey = await generateKey({ algorithm: 'ECDSA' });
    writeFileSync(keyFile, leafKey);
    writeFileSync(
      certFile,
      await signLeaf(
        {
          dnsNames: ['x'],
          ipAddresses: [],
          keyPem: leafKey,
          notBefore: new Date(T0),
          notAfter: new Date(T0 + DAY),
        },
        undefined,
      ),
    );
    const notCa = await h.pass(rec, mesh);
    assert.ok(notCa instanceof Error);
    assert.match(notCa.message, /not a CA/);
  });

  test('an expired CA is not Ready', async () => {
    const h = new Harness(new ManualClock(T0 + 20 * 365 * DAY));
    const rec = createIssuerReconciler({ dataDir: data });
    const r = await h.pass(rec, issuerObj('ca', { ca: { duration: '87600h' } }));
    assert.ok(r instanceof Error);
    assert.match(r.message, /expired/);
  });
});
