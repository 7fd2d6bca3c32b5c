/**
 * Authentication as pveproxy does it (FACTS §2): API tokens in the Authorization header, or a
 * ticket cookie plus a CSRF header on writes. Tickets are HMAC-signed with a per-simulator key
 * instead of Proxmox's RSA key: clients treat them as opaque strings.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Caller } from './types.js';
import type { SimState } from './state.js';

export const TICKET_LIFETIME_MS = 2 * 3600 * 1000;

export type AuthResult =
  | { ok: true; caller: Caller; privs: readonly string[] | '*' }
  | { ok: false; status: number; reason: string };

/**
 * pve-access-control PVE/AccessControl.pm: `verify_token` splits the value at its last `=`
 * (`/^(.*)=(.*)$/`), then `split_tokenid` needs `user@realm!tokenname` ($token_full_regex).
 */
const TOKEN_VALUE_RE = /^(.*)=(.*)$/;
const TOKEN_ID_RE = /^([^\s:/]+@[A-Za-z][A-Za-z0-9.\-_]+)!([A-Za-z][A-Za-z0-9.\-_]+)$/;

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function hex8(seconds: number): string {
  return seconds.toString(16).toUpperCase().padStart(8, '0');
}

function sign(key: Buffer, text: string): string {
  return createHmac('sha256', key).update(text).digest('base64');
}

/** `PVE:<user>:<8 hex ts>::<signature>` */
export function createTicket(key: Buffer, user: string, nowMs: number): string {
  const plain = `PVE:${user}:${hex8(Math.floor(nowMs / 1000))}`;
  return `${plain}::${sign(key, plain)}`;
}

/** Returns the user of a valid, unexpired ticket. */
export function verifyTicket(key: Buffer, ticket: string, nowMs: number): string | undefined {
  const m = /^(PVE:([^:\s]+):([0-9A-F]{8}))::(.+)$/.exec(ticket);
  if (!m?.[1] || !m[2] || !m[3] || !m[4]) return undefined;
  if (!safeEqual(sign(key, m[1]), m[4])) return undefined;
  const age = nowMs - parseInt(m[3], 16) * 1000;
  // Proxmox accepts tickets up to 2 h old and tolerates a little clock skew the other way.
  if (age > TICKET_LIFETIME_MS || age < -300_000) return undefined;
  return m[2];
}

/** `<8 hex ts>:<signature>` bound to the user. */
export function createCsrfToken(key: Buffer, user: string, nowMs: number): string {
  const ts = hex8(Math.floor(nowMs / 1000));
  return `${ts}:${sign(key, `${ts}:${user}`)}`;
}

export function verifyCsrfToken(key: Buffer, token: string, user: string, nowMs: number): boolean {
  const m = /^([0-9A-F]{8}):(.+)$/.exec(token);
  if (!m?.[1] || !m[2]) return false;
  if (!safeEqual(sign(key, `${m[1]}:${user}`), m[2])) return false;
  return nowMs - parseInt(m[1], 16) * 1000 <= TICKET_LIFETIME_MS;
}

/** URI::Escape::uri_unescape: `%XX` pairs become bytes, anything else stays as it is. */
function uriUnescape(value: string): string {
  if (!value.includes('%')) return value;
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const hex = value.slice(i + 1, i + 3);
    if (value[i] === '%' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(value[i] ?? '', 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/**
 * pve-http-server PVE/APIServer/Formatter.pm `extract_auth_value`: the key at the start or after
 * whitespace, then `=` or a space, then everything up to `;`, URI-unescaped. An empty value counts
 * as absent (Perl's false).
 */
export function extractAuthValue(header: string | undefined, key: string): string | undefined {
  if (!header) return undefined;
  const m = new RegExp(`(?:^|\\s)${key}(?:=| )([^;]*)`).exec(header);
  const value = m?.[1];
  return value ? uriUnescape(value) : undefined;
}

/**
 * The credentials of a request as pve-http-server PVE/APIServer/AnyEvent.pm
 * `authenticate_and_handle_request` picks them: the `PVEAuthCookie` cookie first, then
 * `PVEAuthCookie` in the Authorization header, and only without a ticket the `PVEAPIToken` value.
 */
export function requestCredentials(headers: IncomingHttpHeaders): {
  ticket?: string;
  apiToken?: string;
} {
  const authz = typeof headers.authorization === 'string' ? headers.authorization : undefined;
  const ticket =
    extractAuthValue(headers.cookie, 'PVEAuthCookie') ?? extractAuthValue(authz, 'PVEAuthCookie');
  if (ticket !== undefined) return { ticket };
  const apiToken = extractAuthValue(authz, 'PVEAPIToken');
  return apiToken !== undefined ? { apiToken } : {};
}

/**
 * Authenticates one request. Writes (non-GET) with a ticket need the CSRF header.
 */
export function authenticate(
  state: SimState,
  key: Buffer,
  headers: IncomingHttpHeaders,
  method: string,
  nowMs: number,
): AuthResult {
  const { ticket, apiToken } = requestCredentials(headers);
  // pve-manager PVE/HTTPServer.pm auth_handler: any verification error becomes
  // "Authentication failed!"; only a request without credentials gets "No ticket".
  const failed: AuthResult = { ok: false, status: 401, reason: 'Authentication failed!' };
  if (apiToken !== undefined) {
    const v = TOKEN_VALUE_RE.exec(apiToken);
    const id = v?.[1] !== undefined ? TOKEN_ID_RE.exec(v[1]) : null;
    if (!v || !id?.[1] || !id[2]) return failed;
    const full = `${id[1]}!${id[2]}`;
    const token = state.tokens[full];
    if (!token || !safeEqual(token.secret, v[2] ?? '')) return failed;
    const privs = token.privs.includes('*') ? '*' : token.privs;
    return { ok: true, caller: { user: id[1], tokenId: id[2], upidUser: full }, privs };
  }
  if (ticket === undefined) return { ok: false, status: 401, reason: 'No ticket' };
  const user = verifyTicket(key, ticket, nowMs);
  if (!user || !state.users[user]) return failed;
  if (method !== 'GET') {
    const csrf = headers.csrfpreventiontoken;
    if (typeof csrf !== 'string' || !verifyCsrfToken(key, csrf, user, nowMs)) {
      return { ok: false, status: 401, reason: 'Permission denied - invalid csrf token' };
    }
  }
  return { ok: true, caller: { user, upidUser: user }, privs: '*' };
}

/** Substitutes `{param}` in an ACL path template (`/vms/{vmid}` -> `/vms/100`). */
export function aclPath(template: string, params: Record<string, string | undefined>): string {
  return template.replace(/\{([^}]+)\}/g, (_, name: string) => params[name] ?? '');
}

/** Any-of privilege check; returns the 403 message when denied. */
export function checkPrivs(
  privs: readonly string[] | '*',
  required: readonly string[],
  path: string,
): string | undefined {
  if (privs === '*' || required.some((p) => privs.includes(p))) return undefined;
  return `Permission check failed (${path}, ${required.join('|')})\n`;
}
