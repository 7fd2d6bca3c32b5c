/**
 * The certificate info object of `GET /nodes/{node}/certificates/info` (pve-common
 * PVE::Certificate::get_certificate_info), computed from PEM text with node's X509Certificate:
 * OpenSSL one-line names (`/CN=...`), SHA-256 fingerprint `AB:CD:...`, epoch seconds, SANs with
 * IPv6 as eight 4-digit groups, and OpenSSL's short key type names.
 */
import { X509Certificate } from 'node:crypto';
import { firstCertificate } from './pem.js';

export interface CertInfo {
  filename: string;
  fingerprint: string;
  subject: string;
  issuer: string;
  notbefore: number;
  notafter: number;
  san: string[];
  pem: string;
  'public-key-type': string;
  'public-key-bits': number;
}

/** `X509_NAME_oneline`: `CN=a\nO=b` (node's multi-line form) -> `/CN=a/O=b`. */
export function onelineName(multiline: string): string {
  return multiline === '' ? '' : `/${multiline.split('\n').join('/')}`;
}

/** `0:0:0:0:0:0:0:1` (or any IPv6 text) -> `0000:0000:0000:0000:0000:0000:0000:0001`. */
export function perlIpv6(ip: string): string {
  const [head = '', tail] = ip.split('::');
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups =
    tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups.map((g) => g.toLowerCase().padStart(4, '0')).join(':');
}

/** Node's `subjectAltName` text -> Proxmox's list (DNS names and IP addresses only). */
export function parseSan(text: string | undefined): string[] {
  if (!text) return [];
  const out: string[] = [];
  for (const part of text.split(', ')) {
    if (part.startsWith('DNS:')) out.push(part.slice(4).replace(/^"(.*)"$/, '$1'));
    else if (part.startsWith('IP Address:')) {
      const ip = part.slice('IP Address:'.length);
      out.push(ip.includes(':') ? perlIpv6(ip) : ip);
    }
  }
  return out;
}

const KEY_TYPE: Record<string, string> = {
  rsa: 'rsaEncryption',
  'rsa-pss': 'RSASSA-PSS',
  ec: 'id-ecPublicKey',
  ed25519: 'ED25519',
  ed448: 'ED448',
  dsa: 'dsaEncryption',
};

const CURVE_BITS: Record<string, number> = {
  prime256v1: 256,
  secp384r1: 384,
  secp521r1: 521,
  secp256k1: 256,
};

function keyBits(cert: X509Certificate): number {
  const key = cert.publicKey;
  const d = key.asymmetricKeyDetails;
  if (d?.modulusLength !== undefined) return d.modulusLength;
  if (d?.namedCurve !== undefined) return CURVE_BITS[d.namedCurve] ?? 0;
  if (key.asymmetricKeyType === 'ed25519') return 253;
  if (key.asymmetricKeyType === 'ed448') return 456;
  return 0;
}

/** Info of the first certificate in `pem`; throws when there is none or it does not parse. */
export function certInfo(pem: string, filename: string): CertInfo {
  const first = firstCertificate(pem);
  if (first === undefined) throw new Error(`unable to read certificate from '${filename}'`);
  const cert = new X509Certificate(first);
  const type = cert.publicKey.asymmetricKeyType ?? '';
  return {
    filename,
    fingerprint: cert.fingerprint256,
    subject: onelineName(cert.subject),
    issuer: onelineName(cert.issuer),
    notbefore: Math.floor(Date.parse(cert.validFrom) / 1000),
    notafter: Math.floor(Date.parse(cert.validTo) / 1000),
    san: parseSan(cert.subjectAltName),
    pem: cert.toString(),
    'public-key-type': KEY_TYPE[type] ?? type,
    'public-key-bits': keyBits(cert),
  };
}
