/**
 * Pure decisions of the Certificate kind: when the stored certificate must be (re-)issued, and
 * when it is renewed. The renewal time is notAfter − renewBefore, truncated to whole seconds;
 * renewBefore defaults to a third of the ISSUED certificate's real lifetime (notAfter − notBefore),
 * not of the requested duration, since an issuer may shorten it.
 */
import { createPublicKey, type X509Certificate } from 'node:crypto';
import type { OutcomeAlert } from '../../core/kind.js';
import type { Signer } from '../issuer/ca-source.js';
import { parseCertDuration } from '../issuer/duration.js';
import { certNames, describeKey, keySize, normalizeIp } from '../issuer/pki.js';
import type { CertificateSpec } from './schema.js';
import type { StoredCert } from './stored.js';

/**
 * The renewal window asked for, when it would make renewal due right at issuance: renewBefore at
 * least as long as the certificate's real lifetime (an issuer chose a shorter one). Then a third
 * of the lifetime is used instead (as cert-manager does), else every pass would issue again.
 */
export function renewBeforeTooLong(
  spec: CertificateSpec,
  cert: { notBefore: number; notAfter: number },
): string | undefined {
  if (spec.renewBefore === undefined) return undefined;
  const asked = parseCertDuration(spec.renewBefore);
  return asked !== undefined && asked >= cert.notAfter - cert.notBefore
    ? spec.renewBefore
    : undefined;
}

export function renewalTime(
  spec: CertificateSpec,
  cert: { notBefore: number; notAfter: number },
): number {
  const lifetime = cert.notAfter - cert.notBefore;
  const before =
    spec.renewBefore !== undefined && !renewBeforeTooLong(spec, cert)
      ? (parseCertDuration(spec.renewBefore) ?? lifetime / 3)
      : spec.renewBefore === undefined && spec.renewBeforePercentage !== undefined
        ? (lifetime * spec.renewBeforePercentage) / 100
        : lifetime / 3;
  return Math.floor((cert.notAfter - before) / 1000) * 1000;
}

/**
 * The subject CN: `commonName`, else the first DNS name or IP. An empty subject is legal with a
 * critical SAN extension, but Proxmox's certificate list and many tools show nothing useful then.
 */
export function subjectName(spec: CertificateSpec): string {
  return spec.commonName ?? spec.dnsNames?.[0] ?? spec.ipAddresses?.[0] ?? '';
}

const sorted = (xs: readonly string[]): string => [...xs].sort().join(',');

/** What the spec asks the certificate to name, in the form read back from one. */
export function wantedNames(spec: CertificateSpec): { cn: string; dns: string; ips: string } {
  return {
    cn: subjectName(spec),
    dns: sorted((spec.dnsNames ?? []).map((d) => d.toLowerCase())),
    ips: sorted((spec.ipAddresses ?? []).map(normalizeIp)),
  };
}

function namesOf(leaf: X509Certificate): { cn: string; dns: string; ips: string } {
  const n = certNames(leaf);
  return {
    cn: n.commonName ?? '',
    dns: sorted(n.dnsNames.map((d) => d.toLowerCase())),
    ips: sorted(n.ipAddresses.map(normalizeIp)),
  };
}

export function signedBy(leaf: X509Certificate, signer: Signer): boolean {
  if (signer.type === 'selfSigned') return leaf.verify(leaf.publicKey);
  // An ACME CA's chain is its own business; a change of Issuer is caught by name (prevIssuer).
  if (signer.type === 'acme') return true;
  return leaf.checkIssued(signer.cert) && leaf.verify(signer.cert.publicKey);
}

export function keyMatchesSpec(spec: CertificateSpec, key: string): boolean {
  const want = spec.privateKey ?? {};
  const have = describeKey(createPublicKey(key));
  const algorithm = want.algorithm ?? 'ECDSA';
  return (
    have.algorithm === algorithm &&
    keySize(have) === keySize({ algorithm, ...(want.size ? { size: want.size } : {}) })
  );
}

/** Which CA a signer is: a re-pointed ACME Issuer or a replaced CA is another issuer. */
export function issuerIdentity(signer: Signer): string {
  if (signer.type === 'acme') return `acme:${signer.acme.server}`;
  if (signer.type === 'ca') return `ca:${signer.fingerprint}`;
  return 'selfSigned';
}

/**
 * Why a new certificate must be issued now, or undefined. `signer` undefined: the Issuer cannot be
 * read now, so whether it changed is not judged. What the stored certificate was issued for comes
 * from the file itself (stored.issued); `prevIssuer`/`prevDuration` (status) only for files
 * written before pxr recorded it, undefined when unknown.
 */
export function issueReason(
  spec: CertificateSpec,
  stored: StoredCert | 'unreadable' | undefined,
  signer: Signer | undefined,
  now: number,
  prevIssuer: string | undefined,
  prevDuration?: string,
): string | undefined {
  if (stored === undefined) return 'no certificate issued yet';
  if (stored === 'unreadable') return 'the stored certificate cannot be read back';
  if (now >= stored.notAfter) return `expired at ${new Date(stored.notAfter).toISOString()}`;
  const want = wantedNames(spec);
  const have = namesOf(stored.leaf);
  if (want.cn !== have.cn || want.dns !== have.dns || want.ips !== have.ips) return 'names changed';
  if (!keyMatchesSpec(spec, stored.key)) return 'private key parameters changed';
  const was = stored.issued;
  const issuerWas = was?.issuer ?? prevIssuer;
  if (issuerWas !== undefined && issuerWas !== spec.issuerRef.name) return 'issuer changed';
  if (signer && was && was.issuerId !== issuerIdentity(signer)) return 'issuer changed';
  if (signer && !signedBy(stored.leaf, signer)) return 'issuer changed';
  // Judged against what the last issuance asked, not the certificate's lifetime: an issuer may
  // shorten it (a CA ending sooner, ACME servers choosing their own).
  const asked = parseCertDuration(spec.duration ?? '2160h');
  const durationWas = was?.duration ?? prevDuration;
  if (durationWas !== undefined && parseCertDuration(durationWas) !== asked)
    return `duration changed (${durationWas} → ${spec.duration ?? '2160h'})`;
  const renewAt = renewalTime(spec, stored);
  if (now >= renewAt) return `renewal due since ${new Date(renewAt).toISOString()}`;
  return undefined;
}

/** How long past its renewal time a certificate may stay unrenewed before people are told. */
export function overdueGraceMs(
  cert: { notAfter: number },
  renewAt: number,
  graceMs?: number,
): number {
  return graceMs ?? Math.min(3_600_000, Math.max(0, cert.notAfter - renewAt) / 4);
}

/**
 * The expiry alerts of the stored certificate: `certificate-overdue` (warning) from renewalTime +
 * grace, `certificate-expired` (critical) from notAfter; both resolved once a renewed one is stored.
 */
export function expiryAlerts(
  cert: { serial: string; notAfter: number },
  renewAt: number,
  now: number,
  graceMs: number,
): OutcomeAlert[] {
  const until = new Date(cert.notAfter).toISOString();
  const renewed = {
    reason: 'Renewed',
    severity: 'info' as const,
    message: `renewed: serial ${cert.serial}, valid until ${until}`,
  };
  const overdue = now >= renewAt + graceMs;
  const expired = now >= cert.notAfter;
  return [
    overdue
      ? {
          key: 'certificate-overdue',
          firing: true,
          severity: 'warning',
          reason: 'RenewalOverdue',
          message: `not renewed since its renewal time ${new Date(renewAt).toISOString()}; expires at ${until}`,
        }
      : { key: 'certificate-overdue', firing: false, ...renewed },
    expired
      ? {
          key: 'certificate-expired',
          firing: true,
          severity: 'critical',
          reason: 'CertificateExpired',
          message: `expired at ${until} and not renewed`,
        }
      : { key: 'certificate-expired', firing: false, ...renewed },
  ];
}
