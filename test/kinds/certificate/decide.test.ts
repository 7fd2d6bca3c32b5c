/**
 * decide.ts on real certificates (pki.ts signs them, stored.ts parses them back): an Issuer
 * re-pointed to another ACME directory re-issues, judged from what the stored file records.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  issueReason,
  renewalTime,
  renewBeforeTooLong,
} from '../../../src/kinds/certificate/decide.js';
import { parseStored, type StoredCert } from '../../../src/kinds/certificate/stored.js';
import type { Signer } from '../../../src/kinds/issuer/ca-source.js';
import { generateKey, signLeaf } from '../../../src/kinds/issuer/pki.js';
import { certObj } from './harness.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 5, 1, 12, 0, 0);

async function storedCert(hours: number, issuerId: string): Promise<StoredCert> {
  const key = await generateKey({ algorithm: 'ECDSA' });
  const leaf = await signLeaf(
    {
      commonName: 'a.lab.internal',
      dnsNames: ['a.lab.internal'],
      ipAddresses: [],
      keyPem: key,
      notBefore: new Date(T0),
      notAfter: new Date(T0 + hours * HOUR),
    },
    undefined,
  );
  const issued = { issuer: 'le', issuerId, duration: '2160h' };
  return parseStored(`pxr-issued: ${JSON.stringify(issued)}\n${leaf}${key}`)!;
}

const acme = (server: string): Signer => ({
  type: 'acme',
  issuer: 'le',
  acme: { server },
  // Not used to judge identity.
  accountKey: undefined as never,
});

const STAGING = 'https://acme-staging-v02.api.letsencrypt.org/directory';
const PROD = 'https://acme-v02.api.letsencrypt.org/directory';

test('an ACME Issuer re-pointed from staging to production re-issues; the same one does not', async () => {
  const spec = certObj('a', {
    issuerRef: { name: 'le', kind: 'Issuer' },
    dnsNames: ['a.lab.internal'],
  }).spec;
  spec.commonName = 'a.lab.internal';
  const cert = await storedCert(2160, `acme:${STAGING}`);
  assert.equal(issueReason(spec, cert, acme(STAGING), T0 + HOUR, undefined), undefined);
  assert.equal(issueReason(spec, cert, acme(PROD), T0 + HOUR, undefined), 'issuer changed');
});

test('renewBefore not shorter than the issued lifetime renews at a third of it, not at once', async () => {
  const spec = certObj('a', {
    issuerRef: { name: 'le', kind: 'Issuer' },
    dnsNames: ['a.lab.internal'],
    renewBefore: '720h',
  }).spec;
  spec.commonName = 'a.lab.internal';
  // The issuer chose 24 h instead of the 2160 h asked.
  const cert = await storedCert(24, 'selfSigned');
  assert.equal(renewalTime(spec, cert), T0 + 16 * HOUR);
  assert.equal(renewBeforeTooLong(spec, cert), '720h');
  assert.equal(issueReason(spec, cert, undefined, T0 + HOUR, undefined), undefined);
  const fits = await storedCert(2160, 'selfSigned');
  assert.equal(renewalTime(spec, fits), T0 + (2160 - 720) * HOUR);
  assert.equal(renewBeforeTooLong(spec, fits), undefined);
});
