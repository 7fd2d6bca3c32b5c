/**
 * The issued certificate as pxr keeps it: ONE file `<data dir>/certs/certificates/<name>.pem`
 * (mode 0600) holding the chain (leaf first) and then the private key, written atomically
 * (private-files.ts), so it is the old pair or the new pair, never a key without its certificate.
 * It is written right after signing and before anything is installed: a pass that dies after
 * issuance finds it on the next pass and installs it instead of issuing again.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { certsDir, readPrivateFile, writePrivateFile } from '../issuer/private-files.js';

export interface StoredCert {
  /** Leaf first, then the issuing CA (PEM). */
  chain: string;
  /** PKCS#8 PEM. Never logged, never in status. */
  key: string;
  leaf: X509Certificate;
  /** SHA-256 `AB:CD:...`, as Proxmox reports it. */
  fingerprint: string;
  serial: string;
  notBefore: number;
  notAfter: number;
}

const BLOCK = /-----BEGIN ([A-Z ]+)-----[\s\S]*?-----END \1-----\n?/g;

export function storedPath(dataDir: string | undefined, name: string): string {
  return join(certsDir(dataDir), 'certificates', `${name}.pem`);
}

/** Parses the bundle; undefined when it is not a certificate chain followed by its key. */
export function parseStored(text: string): StoredCert | undefined {
  const certs: string[] = [];
  let key: string | undefined;
  for (const m of text.matchAll(BLOCK)) {
    const block = m[0].endsWith('\n') ? m[0] : `${m[0]}\n`;
    if (m[1] === 'CERTIFICATE') certs.push(block);
    else if (m[1]!.endsWith('PRIVATE KEY')) key = block;
  }
  if (certs.length === 0 || key === undefined) return undefined;
  try {
    const leaf = new X509Certificate(certs[0]!);
    if (!leaf.checkPrivateKey(createPrivateKey(key))) return undefined;
    return {
      chain: certs.join(''),
      key,
      leaf,
      fingerprint: leaf.fingerprint256,
      serial: leaf.serialNumber,
      notBefore: Date.parse(leaf.validFrom),
      notAfter: Date.parse(leaf.validTo),
    };
  } catch {
    return undefined;
  }
}

export async function readStored(
  dataDir: string | undefined,
  name: string,
): Promise<StoredCert | 'unreadable' | undefined> {
  const text = await readPrivateFile(storedPath(dataDir, name));
  if (text === undefined) return undefined;
  return parseStored(text) ?? 'unreadable';
}

export async function writeStored(
  dataDir: string | undefined,
  name: string,
  chain: string,
  key: string,
): Promise<StoredCert> {
  const text = chain + key;
  const parsed = parseStored(text);
  if (!parsed) throw new Error('the issued certificate does not match its key');
  await writePrivateFile(storedPath(dataDir, name), text);
  return parsed;
}
