import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { createCa, issueCert, type PemPair } from '../../src/sim/certs/pki.js';
import { certInfo, onelineName, parseSan, perlIpv6 } from '../../src/sim/certs/info.js';
import { isPem, stripLeadingText } from '../../src/sim/certs/pem.js';
import { seedNodeCerts } from '../../src/sim/certs/seed.js';

const start = new Date(Date.UTC(2026, 0, 1));
const end = new Date(Date.UTC(2027, 0, 1));

describe('internal CA helpers', () => {
  let ca: PemPair;
  let leaf: PemPair;

  before(async () => {
    ca = await createCa({
      subject: 'CN=Test CA, O=pxr',
      notBefore: start,
      notAfter: end,
      key: 'ecdsa-p256',
    });
    leaf = await issueCert(ca, {
      subject: 'CN=app.example.test',
      sans: ['app.example.test', '10.0.0.5', 'fd00::5'],
      notBefore: start,
      notAfter: end,
      key: 'ecdsa-p256',
    });
  });

  test('the CA is self-signed and marked as a CA', () => {
    const c = new X509Certificate(ca.cert);
    assert.equal(c.ca, true);
    assert.equal(c.subject, 'CN=Test CA\nO=pxr');
    assert.ok(c.verify(c.publicKey));
  });

  test('a leaf is signed by the CA, carries its SANs and matches its key', () => {
    const c = new X509Certificate(leaf.cert);
    assert.equal(c.ca, false);
    assert.ok(c.verify(new X509Certificate(ca.cert).publicKey));
    assert.ok(c.checkIssued(new X509Certificate(ca.cert)));
    assert.ok(c.checkPrivateKey(createPrivateKey(leaf.key)));
    assert.match(leaf.key, /^-----BEGIN PRIVATE KEY-----\n/);
    assert.deepEqual(parseSan(c.subjectAltName), [
      'app.example.test',
      '10.0.0.5',
      'fd00:0000:0000:0000:0000:0000:0000:0005',
    ]);
  });

  test('a renewal with keyPem keeps the public key', async () => {
    const renewed = await issueCert(ca, {
      subject: 'CN=app.example.test',
      notBefore: start,
      notAfter: end,
      keyPem: leaf.key,
    });
    const spki = (pem: string): string =>
      new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' }).toString('hex');
    assert.equal(spki(renewed.cert), spki(leaf.cert));
    assert.equal(renewed.key.replace(/\s/g, ''), leaf.key.replace(/\s/g, ''));
  });

  test('certInfo reports what Proxmox reports, computed with node:crypto', () => {
    const info = certInfo(`${leaf.cert}${ca.cert}`, 'pveproxy-ssl.pem');
    const c = new X509Certificate(leaf.cert);
    assert.deepEqual(info, {
      filename: 'pveproxy-ssl.pem',
      fingerprint: c.fingerprint256,
      subject: '/CN=app.example.test',
      issuer: '/CN=Test CA/O=pxr',
      notbefore: start.getTime() / 1000,
      notafter: end.getTime() / 1000,
      san: ['app.example.test', '10.0.0.5', 'fd00:0000:0000:0000:0000:0000:0000:0005'],
      pem: c.toString(),
      'public-key-type': 'id-ecPublicKey',
      'public-key-bits': 256,
    });
    assert.match(info.fingerprint, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  });

  test('seeded node certificates: RSA 2048, Proxmox names, generated once per process', async () => {
    const first = await seedNodeCerts('pve', '192.168.100.10');
    const t0 = performance.now();
    const again = await seedNodeCerts('pve', '192.168.100.10');
    assert.ok(performance.now() - t0 < 100, 'second seed comes from the cache');
    assert.deepEqual(again, first);
    const ssl = certInfo(first.ssl.cert, 'pve-ssl.pem');
    const root = certInfo(first.rootCa, 'pve-root-ca.pem');
    assert.equal(ssl['public-key-type'], 'rsaEncryption');
    assert.equal(ssl['public-key-bits'], 2048);
    assert.equal(ssl.issuer, root.subject);
    assert.match(
      root.subject,
      /^\/CN=Proxmox Virtual Environment\/OU=[0-9a-f-]{36}\/O=PVE Cluster Manager CA$/,
    );
    assert.equal(ssl.subject, '/OU=PVE Cluster Node/O=Proxmox Virtual Environment/CN=pve.local');
    assert.deepEqual(ssl.san, [
      '127.0.0.1',
      '0000:0000:0000:0000:0000:0000:0000:0001',
      'localhost',
      '192.168.100.10',
      'pve',
      'pve.local',
    ]);
    const other = await seedNodeCerts('pve2', '192.168.100.11');
    assert.equal(other.rootCa, first.rootCa, 'one cluster CA for every node');
    assert.notEqual(other.ssl.cert, first.ssl.cert);
  });
});

describe('PEM and name helpers', () => {
  const cert =
    '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\nAAAA==\n-----END CERTIFICATE-----\n';
  const key = '-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIA==\n-----END EC PRIVATE KEY-----\n';
  const cases: [string, string, { anyLabel?: boolean; multiple?: boolean }, boolean][] = [
    ['one certificate', cert, {}, true],
    ['leading text is ignored', `subject=CN=x\n${cert}`, {}, true],
    ['a chain needs multiple', `${cert}${cert}`, {}, false],
    ['a chain', `${cert}\n${cert}`, { multiple: true }, true],
    ['a key is not a certificate', key, {}, false],
    ['any label for pem-string', key, { anyLabel: true }, true],
    ['garbage', 'hello', { anyLabel: true }, false],
    ['bad base64', cert.replace('AAAA==', 'AA*A=='), {}, false],
  ];
  for (const [name, text, opts, want] of cases) {
    test(`isPem: ${name}`, () => assert.equal(isPem(text, opts), want));
  }

  test('stripLeadingText keeps everything from the first BEGIN line', () => {
    assert.equal(stripLeadingText(`junk\n${cert}`), cert);
  });

  test('OpenSSL one-line names and Perl-style IPv6', () => {
    assert.equal(onelineName('OU=a\nO=b\nCN=c'), '/OU=a/O=b/CN=c');
    assert.equal(perlIpv6('0:0:0:0:0:0:0:1'), '0000:0000:0000:0000:0000:0000:0000:0001');
    assert.equal(perlIpv6('FD00::1:2'), 'fd00:0000:0000:0000:0000:0000:0001:0002');
  });
});
