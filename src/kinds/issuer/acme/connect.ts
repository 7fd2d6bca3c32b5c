/**
 * An AcmeClient for an `acme` Issuer with its account: the CA bundle and the EAB HMAC key are read
 * from their files here (errors name the file, never its content), then the account is registered or
 * found (newAccount is idempotent for a key). Shared by the Issuer (Ready = registered) and the
 * Certificate (orders under that account).
 */
import type { KeyObject } from 'node:crypto';
import { PxrError } from '../../../core/errors.js';
import { readSecretFile, secretFileReason } from '../../../core/secret-file.js';
import type { AcmeIssuerSpec } from '../schema.js';
import { AcmeClient } from './client.js';

async function read(path: string, priv: boolean, what: string): Promise<string> {
  try {
    return await readSecretFile(path, { private: priv });
  } catch (err) {
    throw new PxrError(
      'ACME_FILE_UNREADABLE',
      `cannot read ${what} ${path}: ${secretFileReason(err)}`,
    );
  }
}

export interface AcmeSession {
  client: AcmeClient;
  accountUrl: string;
  created: boolean;
}

export async function openAcme(
  acme: AcmeIssuerSpec,
  accountKey: KeyObject,
  sleep: (ms: number) => Promise<void>,
): Promise<AcmeSession> {
  const caBundle = acme.caBundleFile
    ? await read(acme.caBundleFile, false, 'caBundleFile')
    : undefined;
  const eab = acme.externalAccountBinding;
  const hmacKey = eab
    ? (await read(eab.hmacKeyFile, true, 'externalAccountBinding.hmacKeyFile')).trim()
    : undefined;
  const client = new AcmeClient({
    directoryUrl: acme.server,
    accountKey,
    sleep,
    ...(caBundle ? { caBundle } : {}),
  });
  try {
    const acct = await client.account({
      email: acme.email,
      eab: eab && hmacKey ? { keyId: eab.keyId, hmacKey } : undefined,
    });
    if (acct.status !== 'valid')
      throw new PxrError('ACME_ACCOUNT_INVALID', `the ACME account ${acct.url} is ${acct.status}`);
    return { client, accountUrl: acct.url, created: acct.created };
  } catch (err) {
    await client.close();
    throw err;
  }
}
