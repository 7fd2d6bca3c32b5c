/** Issuer checks beyond the schema: both CA files or none, key sizes that exist. */
import type { ManifestDoc, SourceIssue } from '../../core/manifest.js';
import { parseCertDuration } from './duration.js';
import type { IssuerSpec } from './schema.js';

type Issue = Omit<SourceIssue, 'file' | 'line' | 'column'>;

/** `privateKey.size` against its algorithm; returns the issue's message or undefined. */
export function keySizeProblem(
  k: { algorithm?: string; size?: number } | undefined,
): string | undefined {
  if (!k || k.size === undefined) return undefined;
  if (k.algorithm === 'RSA' && ![2048, 3072, 4096].includes(k.size))
    return `RSA keys are 2048, 3072 or 4096 bits, not ${k.size}`;
  if (k.algorithm === 'ECDSA' && ![256, 384].includes(k.size))
    return `ECDSA keys are 256 (P-256) or 384 (P-384) bits, not ${k.size}`;
  return undefined;
}

export function validateIssuer(doc: ManifestDoc): Issue[] {
  const spec = doc.spec as IssuerSpec;
  const out: Issue[] = [];
  const ca = spec.ca;
  if (!ca) return out;
  if ((ca.certFile === undefined) !== (ca.keyFile === undefined)) {
    out.push({
      field: ca.certFile === undefined ? 'spec.ca.certFile' : 'spec.ca.keyFile',
      message:
        'certFile and keyFile go together: give both (an existing CA) or neither (pxr creates one)',
    });
  }
  const size = keySizeProblem(ca.privateKey);
  if (size) out.push({ field: 'spec.ca.privateKey.size', message: size });
  if (ca.duration !== undefined && !parseCertDuration(ca.duration))
    out.push({ field: 'spec.ca.duration', message: 'duration must be longer than zero' });
  return out;
}
