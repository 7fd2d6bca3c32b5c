/**
 * The ACME account key pxr keeps for an `acme` Issuer: ECDSA P-256, created on first use under
 * `<data dir>/certs/issuers/<name>/acme-account.key` (0600, private-files.ts) and reused after, so
 * the account (and its rate-limit standing) survives restarts. Losing it means a new account.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { generateKey } from '../pki.js';
import { certsDir, readPrivateFile, writePrivateFile } from '../private-files.js';

export function accountKeyPath(dataDir: string | undefined, issuer: string): string {
  return join(certsDir(dataDir), 'issuers', issuer, 'acme-account.key');
}

/** The existing key, or undefined (plan reads only). */
export async function readAccountKey(
  dataDir: string | undefined,
  issuer: string,
): Promise<KeyObject | undefined> {
  const pem = await readPrivateFile(accountKeyPath(dataDir, issuer));
  return pem === undefined ? undefined : createPrivateKey(pem);
}

export async function ensureAccountKey(
  dataDir: string | undefined,
  issuer: string,
): Promise<KeyObject> {
  const have = await readAccountKey(dataDir, issuer);
  if (have) return have;
  const pem = await generateKey({ algorithm: 'ECDSA', size: 256 });
  await writePrivateFile(accountKeyPath(dataDir, issuer), pem);
  return createPrivateKey(pem);
}
