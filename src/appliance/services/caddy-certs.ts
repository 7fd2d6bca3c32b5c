/**
 * What other kinds put into an appliance's Caddy beside the Appliance's own config, and how they
 * are kept apart from it:
 *  - certificates (`apps.tls.certificates.load_files`, one entry per Certificate, tagged
 *    `pxr-cert-<name>`): the PEM files live in the appliance (key 0600), so the Caddy config — which
 *    `GET /config/` hands to anyone on the admin socket, and pxr reads for drift — holds paths, never
 *    a key. Caddy serves a loaded certificate for the names it carries and skips its own
 *    certificate management (ACME or internal) for them.
 *  - http-01 answers: a route `pxr-acme-<token>` first in the HTTP server, answering the key
 *    authorization at `/.well-known/acme-challenge/<token>` for one host, removed once validated.
 * The Appliance's CaddyService leaves both out of its drift and carries them over when it loads a
 * new config (`carryForeign`), so the two kinds never undo each other.
 */
import { PxrError } from '../../core/errors.js';
import type { Transport } from '../transport/types.js';
import { curl } from './caddy-admin.js';

export const CHALLENGE_ROUTE_PREFIX = 'pxr-acme-';
export const CERT_TAG_PREFIX = 'pxr-cert-';

/** Where pxr reaches one appliance's Caddy. */
export interface CaddyReach {
  transport: Transport;
  /** `127.0.0.1:2019` */
  adminListen: string;
  /** The address the HTTP(S) servers answer on inside the appliance (probes, handshakes). */
  address: string;
  httpPort: number;
  httpsPort: number | undefined;
  /** Folder inside the appliance for certificate files. */
  certDir: string;
}

interface LoadFile {
  certificate: string;
  key: string;
  tags?: string[];
}

type Json = Record<string, unknown>;

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

async function admin(
  r: CaddyReach,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: string }> {
  const a = await curl(r.transport, {
    method,
    url: `http://${r.adminListen}${path}`,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (a.status >= 300 && !(method === 'DELETE' && a.status === 404))
    throw new PxrError(
      'CADDY_ADMIN_ERROR',
      `${method} ${path} answered ${a.status}: ${a.body.trim().slice(0, 300)}`,
      { context: { service: 'caddy', status: a.status } },
    );
  return a;
}

/** The hosts the appliance's HTTP server routes (what it serves), lower case. */
export async function servedHosts(r: CaddyReach): Promise<string[]> {
  const a = await admin(r, 'GET', '/config/apps/http/servers/pxr/routes');
  const routes = JSON.parse(a.body || 'null') as Array<{
    match?: Array<{ host?: string[] }>;
  }> | null;
  const hosts = new Set<string>();
  for (const route of routes ?? [])
    for (const m of route.match ?? []) for (const h of m.host ?? []) hosts.add(h.toLowerCase());
  return [...hosts];
}

/** Adds the http-01 answer for `host` as the first route of the HTTP server. */
export async function addChallenge(
  r: CaddyReach,
  host: string,
  token: string,
  keyAuth: string,
): Promise<void> {
  await admin(r, 'DELETE', `/id/${CHALLENGE_ROUTE_PREFIX}${token}`);
  await admin(r, 'PUT', '/config/apps/http/servers/pxr/routes/0', {
    '@id': `${CHALLENGE_ROUTE_PREFIX}${token}`,
    match: [{ host: [host.toLowerCase()], path: [`/.well-known/acme-challenge/${token}`] }],
    handle: [
      {
        handler: 'static_response',
        status_code: 200,
        headers: { 'Content-Type': ['text/plain'] },
        body: keyAuth,
      },
    ],
    terminal: true,
  });
}

export async function removeChallenge(r: CaddyReach, token: string): Promise<void> {
  await admin(r, 'DELETE', `/id/${CHALLENGE_ROUTE_PREFIX}${token}`);
}

/** Fetches the answer as the CA will (Host header, HTTP port) from inside the appliance. */
export async function fetchChallenge(r: CaddyReach, host: string, token: string): Promise<string> {
  const a = await curl(r.transport, {
    method: 'GET',
    url: `http://${r.address}:${r.httpPort}/.well-known/acme-challenge/${token}`,
    headers: { Host: host },
  });
  if (a.status !== 200)
    throw new PxrError(
      'ACME_SELF_CHECK_FAILED',
      `http://${host}/.well-known/acme-challenge/${token} answered HTTP ${a.status} through the appliance`,
    );
  return a.body;
}

export function certPaths(r: CaddyReach, name: string): { cert: string; key: string } {
  return { cert: `${r.certDir}/${name}.crt`, key: `${r.certDir}/${name}.key` };
}

/**
 * Writes the chain and key into the appliance and makes Caddy load them: its load_files entry is
 * replaced (the serial in a tag makes the config differ, so Caddy reads the files again).
 */
export async function loadCertificate(
  r: CaddyReach,
  name: string,
  cert: { chain: string; key: string; serial: string },
): Promise<void> {
  const p = certPaths(r, name);
  await r.transport.writeFile(p.key, cert.key, { mode: 0o600 });
  await r.transport.writeFile(p.cert, cert.chain, { mode: 0o644 });
  const have = await admin(r, 'GET', '/config/apps/tls/certificates');
  const certs = (JSON.parse(have.body || 'null') as Json | null) ?? {};
  const tag = `${CERT_TAG_PREFIX}${name}`;
  const files = (Array.isArray(certs['load_files']) ? (certs['load_files'] as LoadFile[]) : [])
    .filter((f) => !(f.tags ?? []).includes(tag))
    .concat([{ certificate: p.cert, key: p.key, tags: [tag, `serial-${cert.serial}`] }]);
  await admin(r, 'POST', '/config/apps/tls/certificates', { ...certs, load_files: files });
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;

/**
 * The leaf the HTTPS port presents for `host` (SNI), as PEM, from a TLS handshake made inside the
 * appliance (curl's `%{certs}`); undefined when nothing answers with a certificate.
 */
export async function servedCertificate(r: CaddyReach, host: string): Promise<string | undefined> {
  if (r.httpsPort === undefined) return undefined;
  const port = r.httpsPort;
  const res = await r.transport.exec(
    [
      'curl',
      '-sS',
      '-k',
      '-o',
      '/dev/null',
      '-m',
      '10',
      '--resolve',
      `${host}:${port}:${r.address}`,
      '-w',
      '%{certs}',
      '--',
      `https://${host}:${port}/`,
    ],
    { timeoutMs: 15_000 },
  );
  return PEM_CERT.exec(res.stdout)?.[0];
}

/**
 * The parts of an observed config that other kinds own: taken out before the Appliance diffs, put
 * back into the config it loads.
 */
export function splitForeign(observed: unknown): { own: unknown; foreign: ForeignParts } {
  if (!isObj(observed)) return { own: observed, foreign: {} };
  const copy = structuredClone(observed);
  const foreign: ForeignParts = {};
  const apps = isObj(copy['apps']) ? copy['apps'] : undefined;
  const tls = apps && isObj(apps['tls']) ? apps['tls'] : undefined;
  if (tls && tls['certificates'] !== undefined) {
    foreign.certificates = tls['certificates'];
    delete tls['certificates'];
  }
  const http = apps && isObj(apps['http']) ? apps['http'] : undefined;
  const servers = http && isObj(http['servers']) ? http['servers'] : undefined;
  const pxr = servers && isObj(servers['pxr']) ? servers['pxr'] : undefined;
  if (pxr && Array.isArray(pxr['routes'])) {
    const routes = pxr['routes'] as unknown[];
    const mine = (x: unknown): boolean =>
      isObj(x) && typeof x['@id'] === 'string' && x['@id'].startsWith(CHALLENGE_ROUTE_PREFIX);
    const challenges = routes.filter(mine);
    if (challenges.length > 0) {
      foreign.challenges = challenges;
      pxr['routes'] = routes.filter((x) => !mine(x));
    }
  }
  return { own: copy, foreign };
}

export interface ForeignParts {
  certificates?: unknown;
  challenges?: unknown[];
}

/** `config` (the Appliance's rendering) with the foreign parts put back where they were. */
export function carryForeign(config: Json, foreign: ForeignParts): Json {
  const out = structuredClone(config);
  const apps = isObj(out['apps']) ? out['apps'] : undefined;
  if (foreign.certificates !== undefined && apps && isObj(apps['tls']))
    apps['tls']['certificates'] = foreign.certificates;
  const http = apps && isObj(apps['http']) ? apps['http'] : undefined;
  const servers = http && isObj(http['servers']) ? http['servers'] : undefined;
  const pxr = servers && isObj(servers['pxr']) ? servers['pxr'] : undefined;
  if (foreign.challenges && pxr && Array.isArray(pxr['routes']))
    pxr['routes'] = [...foreign.challenges, ...(pxr['routes'] as unknown[])];
  return out;
}
