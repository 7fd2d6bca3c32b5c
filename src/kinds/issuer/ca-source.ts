/**
 * What an Issuer signs with, read from where it is kept: nothing for `selfSigned`; for `ca` the
 * certificate and key pxr created under the data directory, or the operator's files. Shared by the
 * Issuer kind (is the CA loadable? create it) and the Certificate kind (sign with it).
 */
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { PxrError } from '../../core/errors.js';
import { readSecretFile, secretFileReason } from '../../core/secret-file.js';
import type { PemPair } from './pki.js';
import { certsDir, readPrivateFile } from './private-files.js';
import { readAccountKey } from './acme/account.js';
import type { AcmeIssuerSpec, IssuerSpec } from './schema.js';

export type Signer =
  | { type: 'selfSigned' }
  | { type: 'ca'; pair: PemPair; cert: X509Certificate; fingerprint: string }
  | { type: 'acme'; issuer: string; acme: AcmeIssuerSpec; accountKey: KeyObject };

/** Where pxr keeps the CA it created for Issuer `name`. */
export function caPaths(dataDir: string | undefined, name: string): { cert: string; key: string } {
  const dir = join(certsDir(dataDir), 'issuers', name);
  return { cert: join(dir, 'ca.crt'), key: join(dir, 'ca.key') };
}

/** A CA pair that can sign: the key belongs to the certificate, which is a CA. */
export function checkCa(pair: PemPair, where: string): Signer & { type: 'ca' } {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pair.cert);
  } catch {
    throw new PxrError('CA_INVALID', `${where}: the CA certificate is not a PEM certificate`);
  }
  if (!cert.ca)
    throw new PxrError(
      'CA_INVALID',
      `${where}: the certificate is not a CA (basicConstraints CA:FALSE)`,
    );
  let matches = false;
  try {
    matches = cert.checkPrivateKey(createPrivateKey(pair.key));
  } catch {
    throw new PxrError('CA_INVALID', `${where}: the CA key is not a PEM private key`);
  }
  if (!matches)
    throw new PxrError('CA_INVALID', `${where}: the CA key does not belong to the CA certificate`);
  return { type: 'ca', pair, cert, fingerprint: cert.fingerprint256 };
}

/**
 * The Issuer's signer, or undefined when pxr is to create its CA (or ACME account key) and has not yet. Throws a located
 * error (file, reason; never content) when files are unreadable or do not form a CA.
 */
export async function loadSigner(
  dataDir: string | undefined,
  name: string,
  spec: IssuerSpec,
): Promise<Signer | undefined> {
  if (spec.acme) {
    const accountKey = await readAccountKey(dataDir, name);
    return accountKey && { type: 'acme', issuer: name, acme: spec.acme, accountKey };
  }
  if (!spec.ca) return { type: 'selfSigned' };
  if (spec.ca.certFile !== undefined && spec.ca.keyFile !== undefined) {
    const read = async (path: string, priv: boolean): Promise<string> => {
      try {
        return await readSecretFile(path, { private: priv });
      } catch (err) {
        throw new PxrError('CA_UNREADABLE', `cannot read ${path}: ${secretFileReason(err)}`);
      }
    };
    const pair = {
      cert: await read(spec.ca.certFile, false),
      key: await read(spec.ca.keyFile, true),
    };
    return checkCa(pair, spec.ca.certFile);
  }
  const paths = caPaths(dataDir, name);
  const key = await readPrivateFile(paths.key);
  const cert = await readPrivateFile(paths.cert);
  if (key === undefined || cert === undefined) return undefined;
  return checkCa({ cert, key }, paths.cert);
}
