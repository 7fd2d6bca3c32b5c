import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { createCa, issueCert, type PemPair } from '../../src/sim/certs/pki.js';
import { startSim, type StartedSim, pveError } from '../helpers/sim.js';

type Info = Record<string, unknown>;

describe('node certificates over HTTP with the proxmox-api client', () => {
  let s: StartedSim;
  let ca: PemPair;
  let custom: PemPair;
  let other: PemPair;
  const certs = () => s.api.nodes.$('pve').certificates;
  const filenames = async (): Promise<string[]> =>
    ((await certs().info.$get()) as Info[]).map((i) => String(i.filename));

  before(async () => {
    s = await startSim();
    const notBefore = new Date(Date.UTC(2026, 0, 1));
    const notAfter = new Date(Date.UTC(2027, 0, 1));
    ca = await createCa({ subject: 'CN=pxr test CA', notBefore, notAfter, key: 'ecdsa-p256' });
    const leaf = {
      subject: 'CN=pve.example.test',
      notBefore,
      notAfter,
      key: 'ecdsa-p256',
    } as const;
    custom = await issueCert(ca, { ...leaf, sans: ['pve.example.test', '192.168.100.10'] });
    other = await issueCert(ca, leaf);
  });
  after(() => s.close());
  beforeEach(() => {
    delete s.sim.state.nodes.pve?.certs.custom;
  });

  test('a fresh node lists its root CA and pve-ssl.pem, the latter issued by the former', async () => {
    const list = (await certs().info.$get()) as Info[];
    assert.deepEqual(
      list.map((i) => i.filename),
      ['pve-root-ca.pem', 'pve-ssl.pem'],
    );
    const [root, ssl] = list;
    assert.equal(ssl?.issuer, root?.subject);
    assert.equal(ssl?.['public-key-type'], 'rsaEncryption');
    assert.equal(ssl?.['public-key-bits'], 2048);
    assert.ok((ssl?.san as string[]).includes('pve'));
    const pem = String(ssl?.pem);
    assert.equal(ssl?.fingerprint, new X509Certificate(pem).fingerprint256);
  });

  test('uploading a custom certificate answers its info synchronously and lists it', async () => {
    const info = (await certs().custom.$post({
      certificates: `${custom.cert}${ca.cert}`,
      key: custom.key,
    })) as Info;
    const x = new X509Certificate(custom.cert);
    assert.equal(info.filename, 'pveproxy-ssl.pem');
    assert.equal(info.fingerprint, x.fingerprint256);
    assert.equal(info.subject, '/CN=pve.example.test');
    assert.equal(info.issuer, '/CN=pxr test CA');
    assert.deepEqual(info.san, ['pve.example.test', '192.168.100.10']);
    assert.equal(info.notafter, Date.UTC(2027, 0, 1) / 1000);
    assert.equal(info['public-key-type'], 'id-ecPublicKey');
    assert.deepEqual(await filenames(), ['pve-root-ca.pem', 'pve-ssl.pem', 'pveproxy-ssl.pem']);
  });

  test('a second upload needs force; with force and no key it reuses the existing key', async () => {
    await certs().custom.$post({ certificates: custom.cert, key: custom.key });
    assert.deepEqual(await pveError(certs().custom.$post({ certificates: custom.cert })), {
      status: 500,
      reason: 'Custom certificate file exists but force flag is not set.',
      message: 'Custom certificate file exists but force flag is not set.\n\n',
    });
    const again = (await certs().custom.$post({ certificates: custom.cert, force: true })) as Info;
    assert.equal(again.fingerprint, new X509Certificate(custom.cert).fingerprint256);
  });

  test('a key that does not match fails and keeps the previous custom certificate', async () => {
    await certs().custom.$post({ certificates: custom.cert, key: custom.key });
    const e = await pveError(
      certs().custom.$post({ certificates: other.cert, key: custom.key, force: true }),
    );
    assert.equal(e.status, 500);
    assert.match(
      e.message,
      /^Setting certificate files failed - \d+: key does not match the certificate \(chain\) \(.+\)\n/,
    );
    assert.equal(e.reason, e.message.split('\n')[0]);
    const listed = ((await certs().info.$get()) as Info[]).find(
      (i) => i.filename === 'pveproxy-ssl.pem',
    );
    assert.equal(listed?.fingerprint, new X509Certificate(custom.cert).fingerprint256);
  });

  test('without a key and without an existing one the upload is refused per field', async () => {
    assert.deepEqual(await pveError(certs().custom.$post({ certificates: custom.cert })), {
      status: 400,
      reason: 'Parameter verification failed.',
      message: 'Parameter verification failed.\n',
      errors: { key: 'Attempted to upload custom certificate without (existing) key.' },
    });
  });

  test('text that is not PEM fails the pem-certificate-chain format', async () => {
    const e = await pveError(certs().custom.$post({ certificates: 'hello', key: custom.key }));
    assert.equal(e.status, 400);
    assert.deepEqual(e.errors, {
      certificates: 'invalid format - not a valid PEM-formatted string.\n',
    });
  });

  test('DELETE removes the custom certificate and answers null', async () => {
    await certs().custom.$post({ certificates: custom.cert, key: custom.key });
    assert.equal(await certs().custom.$delete({}), null);
    assert.deepEqual(await filenames(), ['pve-root-ca.pem', 'pve-ssl.pem']);
  });
});
