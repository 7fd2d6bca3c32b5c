/**
 * What a file target's files hold (pure): the certificate file is the leaf followed by its CA
 * chain, or the leaf alone when a separate `chain` file is asked for; the chain file holds the
 * CA certificates (a self-signed leaf is its own chain); the key file the PKCS#8 key. Cert and
 * chain are 0644, the key `mode` (default 0600).
 */
import { X509Certificate } from 'node:crypto';
import type { CertificateSpec } from '../schema.js';
import type { StoredCert } from '../stored.js';

export type FileTargetSpec = NonNullable<CertificateSpec['targets']['files']>[number];

export interface FileContent {
  path: string;
  content: string;
  mode: number;
}

const CERT_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----\n?/g;

export function certBlocks(pem: string): string[] {
  return [...pem.matchAll(CERT_BLOCK)].map((m) => (m[0].endsWith('\n') ? m[0] : `${m[0]}\n`));
}

export interface FileSlot {
  path: string;
  mode: number;
  role: 'key' | 'chain' | 'certificate';
}

/** The files of `f`, key first (written first, so the certificate never names a key not there yet). */
export function fileSlots(f: FileTargetSpec): FileSlot[] {
  return [
    { path: f.key, mode: parseInt(f.mode ?? '0600', 8), role: 'key' },
    ...(f.chain !== undefined ? [{ path: f.chain, mode: 0o644, role: 'chain' as const }] : []),
    { path: f.certificate, mode: 0o644, role: 'certificate' },
  ];
}

/** What each file of `f` holds for `cert`. */
export function fileContents(f: FileTargetSpec, cert: StoredCert): FileContent[] {
  const blocks = certBlocks(cert.chain);
  const leaf = blocks[0] ?? cert.chain;
  const content = (role: FileSlot['role']): string => {
    if (role === 'key') return cert.key;
    if (role === 'chain') return blocks.length > 1 ? blocks.slice(1).join('') : leaf;
    return f.chain !== undefined ? leaf : cert.chain;
  };
  return fileSlots(f).map((s) => ({ path: s.path, mode: s.mode, content: content(s.role) }));
}

/** SHA-256 fingerprint of the first certificate in a file; `not a certificate` when none parses. */
export function leafFingerprint(text: string): string {
  const first = certBlocks(text)[0];
  if (!first) return 'not a certificate';
  try {
    return new X509Certificate(first).fingerprint256;
  } catch {
    return 'not a certificate';
  }
}

/** Whether `stat -c '%a %U:%G %u:%g'` output for one file matches the wanted mode and owner. */
export function statProblem(
  line: string,
  mode: number,
  owner: string | undefined,
): string | undefined {
  const [have = '', names = '', ids = ''] = line.trim().split(' ');
  if (parseInt(have, 8) !== mode) return `mode ${have}`;
  if (owner === undefined) return undefined;
  const wanted = owner.includes(':') ? owner : `${owner}:`;
  const ok = [names, ids].some((x) => (owner.includes(':') ? x === wanted : x.startsWith(wanted)));
  return ok ? undefined : `owner ${names}`;
}
