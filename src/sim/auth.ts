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

const TOKEN_RE = /^PVEAPIToken=([^\s!=]+@[^\s!=]+)!([^\s=]+)[= ](\S+)\s*$/;

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

function cookieTicket(cookie: string | undefined): string | undefined {
  if (!cookie) return undefined;
  for (const part of cookie.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === 'PVEAuthCookie') {
      const raw = part.slice(eq + 1).trim();
      try {
        return decodeURIComponent(raw);
      } catch {
        return raw; // not percent-encoded after all: use it verbatim
      }
    }
  }
  return undefined;
}

/** True when the request carries an API token header (used for `allowtoken: 0` routes). */
export function hasTokenHeader(headers: IncomingHttpHeaders): boolean {
  const h = headers.authorization;
  return typeof h === 'string' && h.startsWith('PVEAPIToken');
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
  const authz = headers.authorization;
  if (typeof authz === 'string' && authz.startsWith('PVEAPIToken')) {
    const m = TOKEN_RE.exec(authz);
    if (!m?.[1] || !m[2] || !m[3]) return { ok: false, status: 401, reason: 'No ticket' };
    const full = `${m[1]}!${m[2]}`;
    const token = state.tokens[full];
    if (!token || !safeEqual(token.secret, m[3])) {
      return { ok: false, status: 401, reason: 'Authentication failed!' };
    }
    const privs = token.privs.includes('*') ? '*' : token.privs;
    return { ok: true, caller: { user: m[1], tokenId: m[2], upidUser: full }, privs };
  }
  const ticket = cookieTicket(headers.cookie);
  if (ticket === undefined) return { ok: false, status: 401, reason: 'No ticket' };
  const user = verifyTicket(key, ticket, nowMs);
  if (!user || !state.users[user]) {
    return { ok: false, status: 401, reason: 'permission denied - invalid PVE ticket' };
  }
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
