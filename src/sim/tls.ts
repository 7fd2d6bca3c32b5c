/**
 * A self-signed server certificate for `pxr sim --tls`, and its SHA-256 fingerprint in the
 * `AB:CD:...` form Proxmox prints, so clients can pin it instead of trusting any certificate.
 */
import { createHash, webcrypto, X509Certificate } from 'node:crypto';
import './certs/reflect-metadata.js';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export interface SelfSigned {
  cert: string;
  key: string;
  /** SHA-256 of the DER certificate, upper-case hex pairs joined by `:`. */
  fingerprint: string;
}

export function certFingerprint(pem: string): string {
  const der = new X509Certificate(pem).raw;
  return createHash('sha256').update(der).digest('hex').toUpperCase().match(/../g)?.join(':') ?? '';
}

/** ECDSA P-256, valid from `nowMs` - 1 day for one year, SANs localhost, 127.0.0.1 and `hosts`. */
export async function createSelfSigned(nowMs: number, hosts: string[] = []): Promise<SelfSigned> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  const ipRe = /^[\d.]+$|:/;
  const names = [...new Set(['localhost', '127.0.0.1', ...hosts])].map((h) =>
    ipRe.test(h) ? { type: 'ip' as const, value: h } : { type: 'dns' as const, value: h },
  );
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: Math.floor(nowMs / 1000).toString(16),
    name: 'CN=pxr-sim',
    notBefore: new Date(nowMs - 86_400_000),
    notAfter: new Date(nowMs + 365 * 86_400_000),
    keys,
    signingAlgorithm: alg,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.SubjectAlternativeNameExtension(names),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
    ],
  });
  const der = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  const pem = cert.toString('pem') + '\n';
  return {
    cert: pem,
    key: x509.PemConverter.encode(der, 'PRIVATE KEY'),
    fingerprint: certFingerprint(pem),
  };
}
