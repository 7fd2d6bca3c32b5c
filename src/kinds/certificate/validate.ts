/** Certificate checks beyond the schema: some name, IP literals, durations that fit together. */
import { isIP } from 'node:net';
import type { ManifestDoc, SourceIssue } from '../../core/manifest.js';
import { parseCertDuration } from '../issuer/duration.js';
import { keySizeProblem } from '../issuer/validate.js';
import type { CertificateSpec } from './schema.js';

type Issue = Omit<SourceIssue, 'file' | 'line' | 'column'>;

export function validateCertificate(doc: ManifestDoc): Issue[] {
  const spec = doc.spec as CertificateSpec;
  const out: Issue[] = [];
  const dns = spec.dnsNames ?? [];
  const ips = spec.ipAddresses ?? [];
  if (!spec.commonName && dns.length === 0 && ips.length === 0) {
    out.push({
      field: 'spec.dnsNames',
      message: 'give at least one of commonName, dnsNames or ipAddresses',
    });
  }
  ips.forEach((ip, i) => {
    if (isIP(ip) === 0)
      out.push({
        field: `spec.ipAddresses[${i}]`,
        message: `${ip} is not an IPv4 or IPv6 address`,
      });
  });
  const duration = parseCertDuration(spec.duration ?? '2160h');
  if (!duration) out.push({ field: 'spec.duration', message: 'duration must be longer than zero' });
  if (spec.renewBefore !== undefined) {
    if (spec.renewBeforePercentage !== undefined) {
      out.push({
        field: 'spec.renewBeforePercentage',
        message: 'give renewBefore or renewBeforePercentage, not both',
      });
    }
    const before = parseCertDuration(spec.renewBefore);
    if (!before || (duration && before >= duration)) {
      out.push({
        field: 'spec.renewBefore',
        message: `renewBefore must be longer than zero and shorter than duration (${spec.duration ?? '2160h'})`,
      });
    }
  }
  const size = keySizeProblem(spec.privateKey);
  if (size) out.push({ field: 'spec.privateKey.size', message: size });
  return out;
}
