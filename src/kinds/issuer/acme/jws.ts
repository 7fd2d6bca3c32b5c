/**
 * The JSON Web Signatures ACME speaks (RFC 8555 §6.2, RFC 7515 flattened JSON): every POST is signed
 * by the account key — ECDSA P-256 (`ES256`), the one algorithm every ACME server accepts — with
 * either the public key itself (`jwk`, before the account exists) or the account URL (`kid`). The
 * external account binding (§7.3.4) is an HMAC-SHA256 JWS over the account's public key.
 */
import { createHash, createHmac, createPublicKey, sign, type KeyObject } from 'node:crypto';

export const b64u = (b: Buffer | string): string => Buffer.from(b).toString('base64url');

/** The account key's public half as a JWK, with only the members RFC 7638 hashes. */
export function publicJwk(key: KeyObject): Record<string, string> {
  const j = createPublicKey(key).export({ format: 'jwk' });
  if (j.kty !== 'EC' || j.crv !== 'P-256' || !j.x || !j.y)
    throw new Error('the ACME account key must be ECDSA P-256');
  return { crv: j.crv, kty: j.kty, x: j.x, y: j.y };
}

/** RFC 7638 thumbprint: SHA-256 over the required members in lexical order (publicJwk's order). */
export function thumbprint(key: KeyObject): string {
  return b64u(
    createHash('sha256')
      .update(JSON.stringify(publicJwk(key)))
      .digest(),
  );
}

export interface Jws {
  protected: string;
  payload: string;
  signature: string;
}

/** A flattened JWS; `payload` undefined is POST-as-GET (empty payload, §6.3). */
export function signJws(
  key: KeyObject,
  header: { url: string; nonce?: string; kid?: string },
  payload: unknown,
): Jws {
  const prot = b64u(
    JSON.stringify({
      alg: 'ES256',
      ...(header.kid ? { kid: header.kid } : { jwk: publicJwk(key) }),
      ...(header.nonce ? { nonce: header.nonce } : {}),
      url: header.url,
    }),
  );
  const body = payload === undefined ? '' : b64u(JSON.stringify(payload));
  const signature = sign('sha256', Buffer.from(`${prot}.${body}`), {
    key,
    dsaEncoding: 'ieee-p1363',
  });
  return { protected: prot, payload: body, signature: b64u(signature) };
}

/** The externalAccountBinding member of a newAccount request (§7.3.4). */
export function externalAccountBinding(
  key: KeyObject,
  eab: { keyId: string; hmacKey: string },
  newAccountUrl: string,
): Jws {
  const prot = b64u(JSON.stringify({ alg: 'HS256', kid: eab.keyId, url: newAccountUrl }));
  const body = b64u(JSON.stringify(publicJwk(key)));
  const mac = createHmac('sha256', Buffer.from(eab.hmacKey, 'base64url'))
    .update(`${prot}.${body}`)
    .digest();
  return { protected: prot, payload: body, signature: b64u(mac) };
}
