/**
 * The simulated appliance's Caddy, reached the way pxr reaches the real one: `curl` against the admin
 * API (`GET /config/`, `POST /load`, `DELETE /id/<id>`) and requests with a Host header to the HTTP
 * server, answered from the loaded routes. Upstreams always "answer" (there are no apps in --sim).
 */
import { X509Certificate } from 'node:crypto';
import type { GuestState } from '../../sim/index.js';
import type { ExecResult } from './types.js';

interface Route {
  '@id'?: string;
  match?: Array<{ host?: string[]; path?: string[] }>;
  handle?: Array<{
    handler?: string;
    status_code?: number;
    body?: string;
    upstreams?: Array<{ dial?: string }>;
  }>;
}

interface Server {
  listen?: string[];
  routes?: Route[];
}

export interface CurlRequest {
  method: string;
  url: URL;
  headers: Map<string, string>;
  body: string;
  writeOut: string;
}

/** Reads the curl argv pxr builds (`-sS -X M -m N -H h --data-binary @- -w fmt -- url`). */
export function parseCurl(argv: readonly string[], stdin: string): CurlRequest | undefined {
  const req: CurlRequest = {
    method: 'GET',
    url: new URL('http://invalid/'),
    headers: new Map(),
    body: '',
    writeOut: '',
  };
  let url: string | undefined;
  const withValue = new Set(['-X', '-H', '--data-binary', '-w', '-m']);
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '--') {
      url = argv[i + 1];
      break;
    }
    if (!withValue.has(a)) continue;
    const v = argv[++i] ?? '';
    if (a === '-X') req.method = v;
    else if (a === '-H') {
      const at = v.indexOf(':');
      req.headers.set(v.slice(0, at).trim().toLowerCase(), v.slice(at + 1).trim());
    } else if (a === '--data-binary') req.body = v === '@-' ? stdin : v;
    else if (a === '-w') req.writeOut = v;
  }
  if (url === undefined) return undefined;
  try {
    req.url = new URL(url);
  } catch {
    return undefined;
  }
  return req;
}

/** Reads a file of the simulated appliance (certificates Caddy loads). */
export type FileReader = (path: string) => string | undefined;

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/;

export class SimulatedCaddy {
  /**
   * `state` is the Caddy part of the container's inside; `changed` is called after each edit of it;
   * `readFile` reads the container's files (certificates Caddy loads).
   */
  constructor(
    private readonly state: () => GuestState['caddy'],
    private readonly changed: () => void,
    private readonly readFile: FileReader = () => undefined,
  ) {}

  /** The loaded config; null until the first /load. */
  get config(): Record<string, unknown> | null {
    return this.state().config;
  }

  private servers(): Server[] {
    const apps = this.config?.apps as { http?: { servers?: Record<string, Server> } } | undefined;
    return Object.values(apps?.http?.servers ?? {});
  }

  handle(req: CurlRequest): ExecResult {
    const answer = (status: number, body: string): ExecResult => ({
      code: 0,
      stdout: body + req.writeOut.replace('%{http_code}', String(status)),
      stderr: '',
    });
    if (req.url.host === this.state().adminListen) return this.admin(req, answer);
    const port = req.url.port || '80';
    const server = this.servers().find((s) => (s.listen ?? []).some((l) => l.endsWith(`:${port}`)));
    if (!server)
      return { code: 7, stdout: '', stderr: `curl: (7) Failed to connect to ${req.url.host}\n` };
    if (req.url.protocol === 'https:') return this.tls(req, answer);
    const host = (req.headers.get('host') ?? req.url.hostname).toLowerCase();
    const path = req.url.pathname;
    const route = (server.routes ?? []).find(
      (r) =>
        !r.match ||
        r.match.some(
          (m) =>
            (m.host ?? [host]).includes(host) &&
            (m.path ?? [path]).some((p) =>
              p.endsWith('/*') ? path.startsWith(p.slice(0, -1)) : p === path,
            ),
        ),
    );
    const h = route?.handle?.[0];
    if (h?.handler === 'reverse_proxy')
      return answer(200, `simulated upstream ${h.upstreams?.[0]?.dial ?? ''}\n`);
    if (h?.handler === 'static_response') return answer(h.status_code ?? 200, h.body ?? '');
    return answer(200, '');
  }

  /**
   * An HTTPS request: the handshake presents the loaded certificate whose names cover the SNI host
   * (`%{certs}` in the write-out prints it, as curl does); none loaded: Caddy's internal one, which
   * the simulation leaves out (no certificate printed).
   */
  private tls(req: CurlRequest, answer: (status: number, body: string) => ExecResult): ExecResult {
    const host = req.url.hostname.toLowerCase();
    const tls = (this.config?.apps as { tls?: { certificates?: { load_files?: unknown } } })?.tls;
    const files = Array.isArray(tls?.certificates?.load_files)
      ? (tls.certificates.load_files as Array<{ certificate?: string }>)
      : [];
    let pem = '';
    for (const f of files) {
      const text = f.certificate === undefined ? undefined : this.readFile(f.certificate);
      const leaf = text === undefined ? undefined : PEM_CERT.exec(text)?.[0];
      if (!leaf) continue;
      try {
        if (new X509Certificate(leaf).checkHost(host) !== undefined) pem = leaf;
      } catch {
        // Not a certificate: Caddy would have refused the config; the simulation skips it.
      }
    }
    const body = answer(200, '');
    return { ...body, stdout: body.stdout.replace('%{certs}', pem ? `Cert:\n${pem}` : '') };
  }

  private admin(
    req: CurlRequest,
    answer: (status: number, body: string) => ExecResult,
  ): ExecResult {
    const path = req.url.pathname;
    if (req.method === 'GET' && path === '/config/')
      return answer(200, `${JSON.stringify(this.config)}\n`);
    if (req.method === 'POST' && path === '/load') {
      try {
        const cfg = JSON.parse(req.body) as unknown;
        if (typeof cfg !== 'object' || cfg === null || Array.isArray(cfg))
          throw new Error('config must be an object');
        const state = this.state();
        state.config = cfg as Record<string, unknown>;
        const listen = (state.config.admin as { listen?: string } | undefined)?.listen;
        if (listen) state.adminListen = listen;
        this.changed();
        return answer(200, '');
      } catch (err) {
        return answer(400, JSON.stringify({ error: `loading config: ${(err as Error).message}` }));
      }
    }
    const at = /^\/config\/(.+?)\/?$/.exec(path)?.[1];
    if (at !== undefined) return this.atPath(req, at.split('/'), answer);
    const id = /^\/id\/(.+)$/.exec(path)?.[1];
    if (req.method === 'DELETE' && id) {
      for (const s of this.servers()) {
        const at = (s.routes ?? []).findIndex((r) => r['@id'] === id);
        if (at >= 0) {
          s.routes?.splice(at, 1);
          this.changed();
          return answer(200, '');
        }
      }
      return answer(404, JSON.stringify({ error: `unknown object ID '${id}'` }));
    }
    return answer(404, JSON.stringify({ error: 'not found' }));
  }

  /**
   * `GET|POST|PUT /config/<path>` as Caddy answers them: GET the value (null when absent); POST
   * sets an object key (or appends to an array); PUT inserts at an array index.
   */
  private atPath(
    req: CurlRequest,
    keys: string[],
    answer: (status: number, body: string) => ExecResult,
  ): ExecResult {
    let parent: unknown = this.config;
    for (const k of keys.slice(0, -1)) {
      parent = Array.isArray(parent)
        ? (parent as unknown[])[Number(k)]
        : (parent as Record<string, unknown> | null)?.[k];
    }
    const last = keys[keys.length - 1] ?? '';
    const current: unknown = Array.isArray(parent)
      ? (parent as unknown[])[Number(last)]
      : (parent as Record<string, unknown> | null | undefined)?.[last];
    if (req.method === 'GET') return answer(200, `${JSON.stringify(current ?? null)}\n`);
    if (typeof parent !== 'object' || parent === null)
      return answer(400, JSON.stringify({ error: `invalid traversal path at: ${keys.join('/')}` }));
    let value: unknown;
    try {
      value = JSON.parse(req.body) as unknown;
    } catch (err) {
      return answer(400, JSON.stringify({ error: (err as Error).message }));
    }
    if (Array.isArray(parent)) {
      const i = Number(last);
      if (req.method === 'PUT') parent.splice(i, 0, value);
      else if (req.method === 'POST') parent[i] = value;
      else return answer(405, '');
    } else if (req.method === 'POST' && Array.isArray(current)) current.push(value);
    else if (req.method === 'POST' || req.method === 'PUT')
      (parent as Record<string, unknown>)[last] = value;
    else return answer(405, '');
    this.changed();
    return answer(200, '');
  }
}
