import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:https';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { webcrypto, X509Certificate } from 'node:crypto';
import './reflect-metadata.js';
import * as x509 from '@peculiar/x509';
import pino from 'pino';
import { createPveClient } from '../../src/pve/client.js';
import { ManualClock } from '../../src/core/clock.js';
import { isPveApiError } from '../../src/pve/errors.js';
import { normalizeFingerprint } from '../../src/pve/tls.js';

x509.cryptoProvider.set(globalThis.crypto);
const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const TOKEN = { tokenId: 'root@pam!pxr', tokenSecret: '0b6a4f1e-5d7c-4e2b-9a3f-1c2d3e4f5a6b' };

async function pem(key: webcrypto.CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return `-----BEGIN PRIVATE KEY-----\n${der
    .toString('base64')
    .match(/.{1,64}/g)!
    .join('\n')}\n-----END PRIVATE KEY-----\n`;
}

/** A CA and a server certificate for 127.0.0.1, like a node whose cert was issued by a private CA. */
async function makeCerts(): Promise<{ caPem: string; certPem: string; keyPem: string }> {
  const caKeys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(Date.now() + 86_400_000);
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=pxr test CA',
    notBefore,
    notAfter,
    keys: caKeys,
    signingAlgorithm: alg,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true),
    ],
  });
  const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: '02',
    subject: 'CN=pve',
    issuer: ca.subject,
    notBefore,
    notAfter,
    publicKey: keys.publicKey,
    signingKey: caKeys.privateKey,
    signingAlgorithm: alg,
    extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'ip', value: '127.0.0.1' }])],
  });
  return {
    caPem: ca.toString('pem'),
    certPem: cert.toString('pem'),
    keyPem: await pem(keys.privateKey),
  };
}

describe('TLS trust for the Proxmox endpoint', () => {
  let server: Server;
  let url: string;
  let dir: string;
  let certs: { caPem: string; certPem: string; keyPem: string };
  let pin: string;
  const clock = new ManualClock();
  const logger = pino({ level: 'silent' });

  before(async () => {
    certs = await makeCerts();
    pin = new X509Certificate(certs.certPem).fingerprint256;
    dir = mkdtempSync(join(tmpdir(), 'pxr-tls-'));
    writeFileSync(join(dir, 'ca.pem'), certs.caPem);
    server = createServer({ cert: certs.certPem, key: certs.keyPem }, (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json;charset=UTF-8' });
      res.end(JSON.stringify({ data: { version: '9.1.3', release: '9.1', repoid: 'a8736b6' } }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const addr = server.address();
    assert.ok(addr && typeof addr === 'object');
    url = `https://127.0.0.1:${addr.port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  test('the right fingerprint pin connects to a self-signed server', async () => {
    // Lower-case without colons is accepted too: people paste fingerprints in many forms.
    const c = createPveClient({
      url,
      ...TOKEN,
      fingerprint: pin.replace(/:/g, '').toLowerCase(),
      clock,
      logger,
    });
    assert.equal((await c.version()).version, '9.1.3');
    await c.close();
  });

  test('a wrong fingerprint pin fails with a clear, non-retryable TLS error', async () => {
    const wrong = pin.replace(/^../, pin.startsWith('00') ? '11' : '00');
    const c = createPveClient({ url, ...TOKEN, fingerprint: wrong, clock, logger });
    await assert.rejects(c.version(), (err) => {
      assert.ok(isPveApiError(err, 'TLS'), String(err));
      assert.equal(err.retryable, false);
      assert.match(err.message, /fingerprint mismatch/i);
      assert.match(
        String((err.cause as Error).message),
        new RegExp(`expected ${wrong}, got ${pin}`),
      );
      return true;
    });
    // Counted as one failed call: the failure was not retried behind our back.
    assert.deepEqual(
      { count: c.calls()['GET /version']?.count, errors: c.calls()['GET /version']?.errors },
      { count: 1, errors: 1 },
    );
    await c.close();
  });

  test('a CA file verifies the server certificate', async () => {
    const c = createPveClient({ url, ...TOKEN, caFile: join(dir, 'ca.pem'), clock, logger });
    assert.equal((await c.version()).release, '9.1');
    await c.close();
  });

  test('without CA, pin or insecure the untrusted certificate is refused', async () => {
    const c = createPveClient({ url, ...TOKEN, clock, logger });
    await assert.rejects(c.version(), (err) => isPveApiError(err, 'TLS') && !err.retryable);
    await c.close();
  });

  test('insecure accepts any certificate when explicitly asked', async () => {
    const c = createPveClient({ url, ...TOKEN, insecure: true, clock, logger });
    assert.equal((await c.version()).version, '9.1.3');
    await c.close();
  });

  test('malformed fingerprints are rejected at configuration time', () => {
    assert.throws(() => normalizeFingerprint('AA:BB'), /invalid SHA-256 fingerprint/);
  });
});
