/**
 * Key generation and certificate signing for the Issuer and Certificate kinds: keys with
 * node:crypto (ECDSA P-256/P-384, RSA 2048/3072/4096, Ed25519), certificates with @peculiar/x509
 * over node's WebCrypto. PEM in, PEM out: certificates `CERTIFICATE`, keys PKCS#8 `PRIVATE KEY`.
 * Key material is only ever returned to the caller; nothing here logs or puts it in an error.
 */
import '../../sim/certs/reflect-metadata.js';
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPair,
  randomBytes,
  webcrypto,
  X509Certificate,
  type KeyObject,
} from 'node:crypto';
import { isIP } from 'node:net';
import { promisify } from 'node:util';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const generate = promisify(generateKeyPair);

export type KeyAlgorithmName = 'ECDSA' | 'RSA' | 'Ed25519';

export interface KeySpec {
  algorithm: KeyAlgorithmName;
  /** RSA modulus bits (2048, 3072, 4096) or ECDSA curve bits (256, 384); ignored for Ed25519. */
  size?: number | undefined;
}

/** A certificate and its private key, both PEM. */
export interface PemPair {
  cert: string;
  key: string;
}

/** The default size of each algorithm (cert-manager's: RSA 2048, ECDSA 256). */
export function keySize(k: KeySpec): number {
  if (k.algorithm === 'Ed25519') return 256;
  return k.size ?? (k.algorithm === 'RSA' ? 2048 : 256);
}

/** A fresh private key, PKCS#8 PEM (generated off the event loop: RSA 4096 takes seconds). */
export async function generateKey(k: KeySpec): Promise<string> {
  const pair =
    k.algorithm === 'Ed25519'
      ? await generate('ed25519')
      : k.algorithm === 'ECDSA'
        ? await generate('ec', { namedCurve: keySize(k) === 384 ? 'P-384' : 'P-256' })
        : await generate('rsa', { modulusLength: keySize(k) });
  return pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/** What a PEM private (or public) key is, in spec terms. */
export function describeKey(key: KeyObject): KeySpec {
  const type = key.asymmetricKeyType;
  if (type === 'ed25519') return { algorithm: 'Ed25519', size: 256 };
  if (type === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    return { algorithm: 'ECDSA', size: curve === 'secp384r1' ? 384 : 256 };
  }
  if (type === 'rsa') return { algorithm: 'RSA', size: key.asymmetricKeyDetails?.modulusLength };
  throw new Error(`unsupported key type '${String(type)}'`);
}

function importParams(k: KeySpec): webcrypto.RsaHashedImportParams | webcrypto.EcKeyImportParams {
  if (k.algorithm === 'Ed25519') return { name: 'Ed25519' } as webcrypto.EcKeyImportParams;
  if (k.algorithm === 'ECDSA')
    return { name: 'ECDSA', namedCurve: keySize(k) === 384 ? 'P-384' : 'P-256' };
  return { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
}

/** The signature algorithm of an issuer key (ECDSA P-384 signs with SHA-384, as is customary). */
export function signingAlgorithm(k: KeySpec): webcrypto.Algorithm | webcrypto.EcdsaParams {
  if (k.algorithm === 'Ed25519') return { name: 'Ed25519' };
  if (k.algorithm === 'ECDSA')
    return { name: 'ECDSA', hash: keySize(k) === 384 ? 'SHA-384' : 'SHA-256' };
  return { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
}

export async function signingKey(
  keyPem: string,
): Promise<{ key: webcrypto.CryptoKey; spec: KeySpec }> {
  const priv = createPrivateKey(keyPem);
  const spec = describeKey(priv);
  const key = await webcrypto.subtle.importKey(
    'pkcs8',
    priv.export({ type: 'pkcs8', format: 'der' }),
    importParams(spec),
    false,
    ['sign'],
  );
  return { key, spec };
}

export async function publicKey(keyPem: string): Promise<webcrypto.CryptoKey> {
  const pub = createPublicKey(keyPem);
  return webcrypto.subtle.importKey(
    'spki',
    pub.export({ type: 'spki', format: 'der' }),
    importParams(describeKey(pub)),
    true,
    ['verify'],
  );
}

/** A positive random 16-byte serial (RFC 5280: at most 20 octets, positive). */
function serial(): string {
  const b = randomBytes(16);
  b[0] = b[0]! & 0x7f;
  if (b[0] === 0) b[0] = 1;
  return b.toString('hex');
}

export interface Validity {
  notBefore: Date;
  notAfter: Date;
}

/** A self-signed CA certificate for `keyPem` (basicConstraints CA:TRUE, keyCertSign + cRLSign). */
export async function createCaCert(
  keyPem: string,
  subject: string,
  validity: Validity,
): Promise<string> {
  const { key, spec } = await signingKey(keyPem);
  const pub = await publicKey(keyPem);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: subject,
    ...validity,
    keys: { privateKey: key, publicKey: pub },
    signingAlgorithm: signingAlgorithm(spec),
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(pub),
    ],
  });
  return cert.toString('pem') + '\n';
}

export interface LeafRequest extends Validity {
  commonName?: string;
  dnsNames: readonly string[];
  ipAddresses: readonly string[];
  /** The leaf's private key (PKCS#8 PEM). */
  keyPem: string;
}

/**
 * A TLS server certificate for the request, signed by `ca`, or self-signed (signed by its own key,
 * issuer = subject) when `ca` is undefined.
 */
export async function signLeaf(req: LeafRequest, ca: PemPair | undefined): Promise<string> {
  const pub = await publicKey(req.keyPem);
  const signer = await signingKey(ca?.key ?? req.keyPem);
  const signerPub = ca ? await publicKey(ca.key) : pub;
  const names = [
    ...req.dnsNames.map((value) => ({ type: 'dns' as const, value })),
    ...req.ipAddresses.map((value) => ({ type: 'ip' as const, value })),
  ];
  const subject = req.commonName ? `CN=${escapeDn(req.commonName)}` : '';
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject,
    issuer: ca ? new x509.X509Certificate(ca.cert).subject : subject,
    notBefore: req.notBefore,
    notAfter: req.notAfter,
    publicKey: pub,
    signingKey: signer.key,
    signingAlgorithm: signingAlgorithm(signer.spec),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(
        req.keyPem.length > 0 && describeKey(createPrivateKey(req.keyPem)).algorithm === 'RSA'
          ? x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment
          : x509.KeyUsageFlags.digitalSignature,
        true,
      ),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      // RFC 5280: with an empty subject the SAN extension is critical.
      ...(names.length > 0 ? [new x509.SubjectAlternativeNameExtension(names, !subject)] : []),
      await x509.SubjectKeyIdentifierExtension.create(pub),
      await x509.AuthorityKeyIdentifierExtension.create(signerPub),
    ],
  });
  return cert.toString('pem') + '\n';
}

/** RFC 4514 escaping of an attribute value. */
function escapeDn(v: string): string {
  return v.replace(/([,+"\\<>;=])/g, '\\$1').replace(/^([ #])/, '\\$1');
}

/** The names a certificate carries, as the spec writes them (IPs normalised by `isIP`). */
export function certNames(cert: X509Certificate): {
  commonName?: string;
  dnsNames: string[];
  ipAddresses: string[];
} {
  const dnsNames: string[] = [];
  const ipAddresses: string[] = [];
  for (const part of (cert.subjectAltName ?? '').split(', ')) {
    if (part.startsWith('DNS:')) dnsNames.push(part.slice(4));
    else if (part.startsWith('IP Address:')) ipAddresses.push(part.slice(11));
  }
  const cn = /(?:^|\n)CN=([^\n]*)/.exec(cert.subject)?.[1];
  return { ...(cn ? { commonName: cn } : {}), dnsNames, ipAddresses };
}

/** An IP literal as node prints it in a SAN (IPv6 `0:0:...:1` uncompressed, lower case). */
export function normalizeIp(ip: string): string {
  if (isIP(ip) !== 6) return ip;
  const [head = '', tail] = ip.toLowerCase().split('::');
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups =
    tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups.map((g) => g.replace(/^0+(?=.)/, '')).join(':');
}
