/**
 * Caddy's whole JSON config (loaded through the admin API `/load`): one HTTP server with a route per
 * expose entry — the Host header (and path prefix) → reverse_proxy to the host's address. Every route
 * carries an `@id` so drift names the route, and an operator can address it in the admin API.
 */
import type { ApplianceDesired, ApplianceHost, ExposeEntry } from '../desired.js';

export interface CaddyLayout {
  /** Where the admin API listens inside the appliance. @default '127.0.0.1:2019' */
  adminListen: string;
  /** The address the HTTP(S) servers bind (empty = all). @default '' */
  bindHost: string;
}

export const defaultCaddyLayout: CaddyLayout = { adminListen: '127.0.0.1:2019', bindHost: '' };

export type CaddyJson = Record<string, unknown>;

export interface CaddyRoute {
  '@id': string;
  match?: Array<{ host: string[]; path?: string[] }>;
  handle: Array<Record<string, unknown>>;
  terminal: true;
}

/** What each route promises, for probing it after a load. */
export interface RouteProbe {
  id: string;
  host: string;
  path: string;
  upstream: string;
}

interface Site {
  host: ApplianceHost;
  entry: ExposeEntry;
  /** The address Caddy dials: the fixed IP, else the DNS name dnsmasq serves for the lease. */
  upstream: string;
}

function routeId(s: Site): string {
  const path = (s.entry.pathPrefix ?? '').replace(/[^A-Za-z0-9]+/g, '-').replace(/-+$/, '');
  return `pxr-${s.entry.host.toLowerCase()}${path}`;
}

function sites(d: ApplianceDesired): Site[] {
  const out: Site[] = [];
  for (const host of d.hosts) {
    const addr = host.ip ?? `${host.hostname.toLowerCase()}.${d.dns.domain}`;
    for (const entry of host.expose) out.push({ host, entry, upstream: `${addr}:${entry.port}` });
  }
  // Longest path prefix first within a host, so `/api` wins over the host's catch-all.
  return out.sort(
    (a, b) =>
      a.entry.host.localeCompare(b.entry.host) ||
      (b.entry.pathPrefix ?? '').length - (a.entry.pathPrefix ?? '').length ||
      (a.entry.pathPrefix ?? '').localeCompare(b.entry.pathPrefix ?? ''),
  );
}

function proxy(upstream: string): Record<string, unknown> {
  return { handler: 'reverse_proxy', upstreams: [{ dial: upstream }] };
}

// Caddy rejects a config where two objects share an `@id`, so the HTTPS server's routes get their own.
function routes(d: ApplianceDesired, idPrefix: string): CaddyRoute[] {
  const list: CaddyRoute[] = sites(d).map((s) => {
    const prefix = s.entry.pathPrefix?.replace(/\/+$/, '');
    const match: { host: string[]; path?: string[] } = { host: [s.entry.host.toLowerCase()] };
    if (prefix) match.path = [prefix, `${prefix}/*`];
    return {
      '@id': `${idPrefix}${routeId(s)}`,
      match: [match],
      handle: [proxy(s.upstream)],
      terminal: true,
    };
  });
  const fallback = sites(d).find(
    (s) => s.entry.host.toLowerCase() === d.proxy.defaultSite?.toLowerCase() && !s.entry.pathPrefix,
  );
  const anyDefault = sites(d).find(
    (s) => s.entry.host.toLowerCase() === d.proxy.defaultSite?.toLowerCase(),
  );
  const def = fallback ?? anyDefault;
  list.push(
    def
      ? { '@id': `${idPrefix}pxr-default`, handle: [proxy(def.upstream)], terminal: true }
      : {
          '@id': `${idPrefix}pxr-default`,
          handle: [
            { handler: 'static_response', status_code: 404, body: 'no site for this host\n' },
          ],
          terminal: true,
        },
  );
  return list;
}

/** The route probes: one request per expose entry with its Host header and path. */
export function caddyProbes(d: ApplianceDesired): RouteProbe[] {
  return sites(d).map((s) => ({
    id: routeId(s),
    host: s.entry.host.toLowerCase(),
    path: s.entry.pathPrefix ? `${s.entry.pathPrefix.replace(/\/+$/, '')}/` : '/',
    upstream: s.upstream,
  }));
}

/** The whole config. Assumes {@link validateDesired} found nothing. */
export function renderCaddy(d: ApplianceDesired, layout: CaddyLayout): CaddyJson {
  const servers: Record<string, unknown> = {
    pxr: {
      listen: [`${layout.bindHost}:${d.proxy.httpPort}`],
      routes: routes(d, ''),
      // Plain HTTP on the LAN side; certificates are the Certificate kind's business, not ACME's.
      automatic_https: { disable: true },
    },
  };
  const http: Record<string, unknown> = { http_port: d.proxy.httpPort, servers };
  const config: CaddyJson = {
    admin: { listen: layout.adminListen },
    apps: { http },
  };
  if (d.proxy.httpsPort !== undefined) {
    http.https_port = d.proxy.httpsPort;
    servers['pxr-https'] = {
      listen: [`${layout.bindHost}:${d.proxy.httpsPort}`],
      routes: routes(d, 'https-'),
      tls_connection_policies: [{}],
      automatic_https: { disable_redirects: true },
    };
    // An isolated LAN cannot reach ACME: certificates come from Caddy's local CA until the
    // Certificate kind supplies real ones; never try to install that CA into the appliance's trust store.
    config.apps = {
      http,
      tls: { automation: { policies: [{ issuers: [{ module: 'internal' }] }] } },
      pki: { certificate_authorities: { local: { install_trust: false } } },
    };
  }
  return config;
}
