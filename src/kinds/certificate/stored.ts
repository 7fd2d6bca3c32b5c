/**
 * The issued certificate as pxr keeps it: ONE file `<data dir>/certs/certificates/<name>.pem`
 * (mode 0600) holding the chain (leaf first) and then the private key, written atomically
 * (private-files.ts), so it is the old pair or the new pair, never a key without its certificate.
 * It is written right after signing and before anything is installed: a pass that dies after
 * issuance finds it on the next pass and installs it instead of issuing again.
 * Its first line records what it was issued for (`pxr-issued: {json}`: issuer, issuer identity,
 * requested duration; no key material), in the same atomic write, so a failed install never loses
 * it and the next pass does not issue again (PEM readers skip text outside the blocks).
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { certsDir, readPrivateFile, writePrivateFile } from '../issuer/private-files.js';

/** What a certificate was issued for, kept with it (not in status, which a failed pass leaves). */
export interface IssuedFor {
  /** The Issuer's name. */
  issuer: string;
  /** Which CA that Issuer was: `acme:<directory URL>`, `ca:<CA SHA-256>`, `selfSigned`. */
  issuerId: string;
  /** The duration asked, as spelled in the spec. */
  duration: string;
}

const HEADER = /^pxr-issued: (\{.*\})\n/;

function parseIssued(text: string): IssuedFor | undefined {
  const m = HEADER.exec(text);
  if (!m) return undefined;
  try {
    const v = JSON.parse(m[1]!) as Partial<IssuedFor>;
    const ok = [v.issuer, v.issuerId, v.duration].every((x) => typeof x === 'string');
    return ok ? (v as IssuedFor) : undefined;
  } catch {
    return undefined;
  }
}

export interface StoredCert {
  /** What it was issued for; undefined for files written before pxr recorded it. */
  issued?: IssuedFor;
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
    const issued = parseIssued(text);
    return {
      ...(issued ? { issued } : {}),
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
  issued: IssuedFor,
): Promise<StoredCert> {
  const text = `pxr-issued: ${JSON.stringify(issued)}\n${chain}${key}`;
  const parsed = parseStored(text);
  if (!parsed) throw new Error('the issued certificate does not match its key');
  await writePrivateFile(storedPath(dataDir, name), text);
  return parsed;
}
