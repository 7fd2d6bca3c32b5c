/**
 * Caddy kept converged through its admin API. Steps: observe (`GET /config/`) → diff (routes matched
 * by `@id`, everything else by JSON path) → when anything differs, `POST /load` the whole config (Caddy
 * validates it and swaps atomically; a refusal is a terminal ConfigRejected) → read back and compare →
 * probe every route with its Host header; a route that does not answer is a warning, not drift.
 */
import { TerminalError } from '../../core/errors.js';
import { validateDesired } from '../desired.js';
import type { ApplianceDesired } from '../desired.js';
import { caddyProbes, renderCaddy } from '../render/caddy.js';
import type { CaddyLayout } from '../render/caddy.js';
import type { Transport } from '../transport/types.js';
import { CaddyAdmin, curl } from './caddy-admin.js';
import { carryForeign, splitForeign } from './caddy-certs.js';
import type { ApplianceService, DriftItem, ServiceReport } from './types.js';

export interface CaddyServiceOptions {
  transport: Transport;
  layout: CaddyLayout;
  /** The address probes connect to (the HTTP port is the desired one). @default layout.bindHost, else '127.0.0.1' */
  probeAddress?: string;
  /** @default 5000 */
  probeTimeoutMs?: number;
}

export class CaddyService implements ApplianceService<unknown> {
  readonly name = 'caddy' as const;
  private readonly t: Transport;
  private readonly layout: CaddyLayout;
  private readonly admin: CaddyAdmin;
  private readonly probeAddress: string;
  private readonly probeTimeoutMs: number;

  constructor(opts: CaddyServiceOptions) {
    this.t = opts.transport;
    this.layout = opts.layout;
    this.admin = new CaddyAdmin(opts.transport, opts.layout.adminListen);
    // Servers bound to one address answer only there.
    this.probeAddress = opts.probeAddress ?? (opts.layout.bindHost || '127.0.0.1');
    this.probeTimeoutMs = opts.probeTimeoutMs ?? 5000;
  }

  observe(): Promise<unknown> {
    return this.admin.getConfig();
  }

  // Certificates and http-01 answers belong to the Certificate kind (caddy-certs.ts): never drift here.
  diff(desired: ApplianceDesired, observed: unknown): DriftItem[] {
    return diffJson(renderCaddy(desired, this.layout), splitForeign(observed).own, 'caddy');
  }

  async apply(desired: ApplianceDesired, observed?: unknown): Promise<ServiceReport> {
    const issues = validateDesired(desired);
    if (issues.length > 0)
      throw new TerminalError('InvalidApplianceSpec', issues.join('; '), { context: { issues } });
    const config = renderCaddy(desired, this.layout);
    const { own, foreign } = splitForeign(observed ?? (await this.observe()));
    const drift = diffJson(config, own, 'caddy');
    const actions: string[] = [];
    if (drift.length > 0) {
      const r = await this.admin.load(carryForeign(config, foreign));
      if (r.status !== 200)
        throw new TerminalError(
          'ConfigRejected',
          `Caddy refused the rendered config (${r.status}): ${r.body.trim()}`,
          {
            context: { service: 'caddy', status: r.status },
          },
        );
      actions.push('POST /load');
    }
    const remaining = diffJson(config, splitForeign(await this.observe()).own, 'caddy');
    // All routes at once: an upstream that does not answer costs its timeout, and sequential probes
    // of a LAN with many members down would make every pass wait for each timeout in turn.
    const probed = await Promise.all(
      caddyProbes(desired).map(
        async (p): Promise<ServiceReport['warnings'][number] | undefined> => {
          const url = `http://${this.probeAddress}:${desired.proxy.httpPort}${p.path}`;
          try {
            const a = await curl(this.t, {
              method: 'GET',
              url,
              headers: { Host: p.host },
              timeoutMs: this.probeTimeoutMs,
            });
            // 502/503/504 are Caddy saying the upstream did not answer; anything else came from the app.
            if (a.status < 502 || a.status > 504) return undefined;
            return {
              reason: 'RouteNotAnswering',
              message: `${p.host}${p.path} → ${p.upstream}: HTTP ${a.status}`,
            };
          } catch (err) {
            return {
              reason: 'RouteNotAnswering',
              message: `${p.host}${p.path} → ${p.upstream}: ${err instanceof Error ? err.message : String(err)}`,
            };
          }
        },
      ),
    );
    const warnings = probed.filter((w): w is NonNullable<typeof w> => w !== undefined);
    return { service: 'caddy', drift, actions, remaining, warnings };
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function byId(v: unknown): Map<string, unknown> | undefined {
  if (!Array.isArray(v) || v.length === 0) return undefined;
  const m = new Map<string, unknown>();
  for (const item of v) {
    if (!isObject(item) || typeof item['@id'] !== 'string') return undefined;
    m.set(item['@id'], item);
  }
  return m;
}

/** JSON with object keys sorted: Caddy hands its config back re-encoded, keys in its own order. */
export function canonicalJson(v: unknown): string | undefined {
  if (v === undefined) return undefined;
  if (Array.isArray(v)) return `[${v.map((x) => canonicalJson(x) ?? 'null').join(',')}]`;
  if (isObject(v))
    return `{${Object.keys(v)
      .filter((k) => v[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

/**
 * Pure: JSON drift by path. Arrays whose items all carry an `@id` (Caddy routes) are compared by id,
 * so a deleted route is one item (`...routes[pxr-web.example.test]`), not every route after it.
 */
export function diffJson(
  desired: unknown,
  actual: unknown,
  path: string,
  service: DriftItem['service'] = 'caddy',
): DriftItem[] {
  if (isObject(desired) && isObject(actual)) {
    const out: DriftItem[] = [];
    for (const k of new Set([...Object.keys(desired), ...Object.keys(actual)]))
      out.push(...diffJson(desired[k], actual[k], `${path}.${k}`, service));
    return out;
  }
  const want = byId(desired);
  const have =
    byId(actual) ??
    (Array.isArray(actual) && actual.length === 0 ? new Map<string, unknown>() : undefined);
  if (want && have) {
    const out: DriftItem[] = [];
    for (const id of new Set([...want.keys(), ...have.keys()]))
      out.push(...diffJson(want.get(id), have.get(id), `${path}[${id}]`, service));
    // Same routes in another order is drift too: Caddy takes the first route that matches.
    if (out.length === 0 && [...want.keys()].join('\n') !== [...have.keys()].join('\n'))
      out.push({
        service,
        field: `${path}.order`,
        desired: [...want.keys()].join(','),
        actual: [...have.keys()].join(','),
      });
    return out;
  }
  const want1 = canonicalJson(desired);
  const have1 = canonicalJson(actual);
  if (want1 === have1) return [];
  return [{ service, field: path, desired: want1, actual: have1 }];
}
