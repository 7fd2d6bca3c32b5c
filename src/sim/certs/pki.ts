/**
 * A small internal CA: create a CA certificate, issue leaf certificates signed by it. PEM in,
 * PEM out (certificates as `CERTIFICATE`, keys as PKCS#8 `PRIVATE KEY`), built on
 * @peculiar/x509 over node's WebCrypto. The simulator seeds node certificates with it; the
 * Certificate kind's internal issuer can use the same two calls.
 */
import './reflect-metadata.js';
import { createPrivateKey, createPublicKey, webcrypto, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

type CryptoKeyPair = webcrypto.CryptoKeyPair;

export type KeyAlgorithm = 'rsa-2048' | 'rsa-3072' | 'rsa-4096' | 'ecdsa-p256' | 'ecdsa-p384';

/** A certificate and its private key, both PEM. */
export interface PemPair {
  cert: string;
  key: string;
}

export interface CertOptions {
  /** Distinguished name in RFC 4514 order as written, e.g. `CN=pve.local, O=Example`. */
  subject: string;
  notBefore: Date;
  notAfter: Date;
  /** Key to generate. @default 'rsa-2048' (what Proxmox uses) */
  key?: KeyAlgorithm;
  /** Reuse this PKCS#8/PKCS#1/SEC1 PEM key instead of generating one (renewal, key caching). */
  keyPem?: string;
  /** Hex serial number. @default random */
  serialNumber?: string;
}

export interface LeafOptions extends CertOptions {
  /** Subject alternative names; IP literals become IP entries, the rest DNS names. */
  sans?: readonly string[];
}

const RSA_SIGN = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const;

function algorithmFor(
  key: KeyAlgorithm,
): webcrypto.RsaHashedKeyGenParams | webcrypto.EcKeyGenParams {
  switch (key) {
    case 'ecdsa-p256':
      return { name: 'ECDSA', namedCurve: 'P-256' };
    case 'ecdsa-p384':
      return { name: 'ECDSA', namedCurve: 'P-384' };
    default:
      return {
        ...RSA_SIGN,
        modulusLength: Number(key.slice(4)),
        publicExponent: new Uint8Array([1, 0, 1]),
      };
  }
}

function importAlgorithm(
  key: KeyObject,
): webcrypto.RsaHashedImportParams | webcrypto.EcKeyImportParams {
  if (key.asymmetricKeyType === 'rsa') return RSA_SIGN;
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    return { name: 'ECDSA', namedCurve: curve === 'secp384r1' ? 'P-384' : 'P-256' };
  }
  throw new Error(`unsupported key type '${String(key.asymmetricKeyType)}'`);
}

function signingAlgorithm(keys: CryptoKeyPair): webcrypto.Algorithm | webcrypto.EcdsaParams {
  return keys.privateKey.algorithm.name === 'ECDSA' ? { name: 'ECDSA', hash: 'SHA-256' } : RSA_SIGN;
}

/** A WebCrypto key pair from a PEM private key, or a fresh one. */
async function keyPair(opts: CertOptions): Promise<CryptoKeyPair> {
  const subtle = webcrypto.subtle;
  if (opts.keyPem === undefined) {
    return await subtle.generateKey(algorithmFor(opts.key ?? 'rsa-2048'), true, ['sign', 'verify']);
  }
  const priv = createPrivateKey(opts.keyPem);
  const alg = importAlgorithm(priv);
  const privateKey = await subtle.importKey(
    'pkcs8',
    priv.export({ type: 'pkcs8', format: 'der' }),
    alg,
    true,
    ['sign'],
  );
  const publicKey = await subtle.importKey(
    'spki',
    createPublicKey(priv).export({ type: 'spki', format: 'der' }),
    alg,
    true,
    ['verify'],
  );
  return { privateKey, publicKey };
}

async function keyPem(keys: CryptoKeyPair): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

/** A self-signed CA certificate (basicConstraints CA:TRUE, keyCertSign + cRLSign). */
export async function createCa(opts: CertOptions): Promise<PemPair> {
  const keys = await keyPair(opts);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    ...(opts.serialNumber === undefined ? {} : { serialNumber: opts.serialNumber }),
    name: opts.subject,
    notBefore: opts.notBefore,
    notAfter: opts.notAfter,
    keys,
    signingAlgorithm: signingAlgorithm(keys),
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: cert.toString('pem') + '\n', key: await keyPem(keys) };
}

/** A TLS server certificate for `sans`, signed by `ca`. */
export async function issueCert(ca: PemPair, opts: LeafOptions): Promise<PemPair> {
  const caCert = new x509.X509Certificate(ca.cert);
  const caKeys = await keyPair({ ...opts, keyPem: ca.key });
  const keys = await keyPair(opts);
  const names = (opts.sans ?? []).map((value) => ({
    type: isIP(value) ? ('ip' as const) : ('dns' as const),
    value,
  }));
  const cert = await x509.X509CertificateGenerator.create({
    ...(opts.serialNumber === undefined ? {} : { serialNumber: opts.serialNumber }),
    subject: opts.subject,
    issuer: caCert.subject,
    notBefore: opts.notBefore,
    notAfter: opts.notAfter,
    publicKey: keys.publicKey,
    signingKey: caKeys.privateKey,
    signingAlgorithm: signingAlgorithm(caKeys),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
        true,
      ),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      ...(names.length > 0 ? [new x509.SubjectAlternativeNameExtension(names)] : []),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  return { cert: cert.toString('pem') + '\n', key: await keyPem(keys) };
}
