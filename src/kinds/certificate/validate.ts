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
  out.push(...fileTargetIssues(spec));
  return out;
}

/** Each file written once, and a `pct` access that can connect. */
function fileTargetIssues(spec: CertificateSpec): Issue[] {
  const out: Issue[] = [];
  const seen = new Set<string>();
  (spec.targets?.files ?? []).forEach((f, i) => {
    const at = `spec.targets.files[${i}]`;
    for (const k of ['certificate', 'chain', 'key'] as const) {
      const path = f[k];
      if (path === undefined) continue;
      const id = `${f.container}\0${path}`;
      if (seen.has(id))
        out.push({ field: `${at}.${k}`, message: `${path} in ${f.container} is written twice` });
      seen.add(id);
    }
    if (f.access.transport === 'pct') {
      for (const k of ['host', 'privateKeyFile', 'hostKeyFingerprint'] as const) {
        if (f.access[k] === undefined)
          out.push({
            field: `${at}.access.${k}`,
            message: `the pct transport needs access.${k} (the host key is pinned)`,
          });
      }
    }
  });
  return out;
}
