/**
 * The fetch that `proxmox-api` calls. It exists for three reasons:
 * - proxmox-api retries any request whose fetch throws, which would replay a POST that may already
 *   have been applied; network failures are therefore returned as the 595/596 responses pveproxy
 *   itself produces, never thrown;
 * - proxmox-api folds errors into plain strings; the status line and body are captured here, in the
 *   call's AsyncLocalStorage scope, so the client translates them once into typed errors;
 * - every request is counted and timed per route template.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { anySignal } from '../core/cancel.js';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { fetch as undiciFetch, Response, type Dispatcher, type RequestInit } from 'undici';
import { TlsPinError } from './errors.js';
import type { CallObservation, CallStats } from './types.js';

/** Per-call context, set by the client around each proxmox-api request. */
export interface CallScope {
  method: string;
  route: string;
  path: string;
  /** Keep the body of a successful response too (for envelope keys proxmox-api drops). */
  captureBody: boolean;
  /** The caller's cancellation (the reconcile's signal): aborts the request in flight. */
  signal?: AbortSignal;
  status?: number;
  statusText?: string;
  body?: string;
  networkError?: Error;
}

export interface Transport {
  fetch: (url: string | URL, init?: RequestInit) => Promise<Response>;
  run<T>(scope: CallScope, fn: () => Promise<T>): Promise<T>;
  stats(): Record<string, CallStats>;
  /** Returns the unsubscribe function. */
  onCall(listener: (call: CallObservation) => void): () => void;
}

/** The pseudo-status AnyEvent::HTTP (and so pveproxy) reports for a failure of this kind. */
export function networkFailureStatus(err: unknown): { status: number; statusText: string } {
  const e = err as { name?: string; code?: string; cause?: { code?: string; name?: string } };
  const code = e.cause?.code ?? e.code ?? '';
  const name = e.cause?.name ?? e.name ?? '';
  if (err instanceof TlsPinError || (e.cause as unknown) instanceof TlsPinError) {
    return { status: 596, statusText: 'Certificate fingerprint mismatch' };
  }
  if (/^ERR_TLS|CERT|SSL/.test(code)) return { status: 596, statusText: 'TLS handshake failed' };
  if (name === 'AbortError' || name === 'TimeoutError' || /TIMEOUT|ETIMEDOUT/.test(code)) {
    return { status: 595, statusText: 'Connection timed out' };
  }
  if (code === 'ECONNREFUSED') return { status: 595, statusText: 'Connection refused' };
  if (code === 'EHOSTUNREACH') return { status: 595, statusText: 'No route to host' };
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return { status: 595, statusText: 'Name or service not known' };
  }
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') {
    return { status: 595, statusText: 'Connection reset by peer' };
  }
  return { status: 595, statusText: 'Connection failed' };
}

function causeOf(err: unknown): Error {
  const c = (err as { cause?: unknown }).cause;
  return c instanceof Error ? c : err instanceof Error ? err : new Error(String(err));
}

export function createTransport(opts: { dispatcher: Dispatcher; logger: Logger }): Transport {
  const als = new AsyncLocalStorage<CallScope>();
  const stats = new Map<string, CallStats>();
  const listeners = new Set<(call: CallObservation) => void>();

  const record = (method: string, route: string, ms: number, status: number): void => {
    const key = `${method} ${route}`;
    const failed = status !== 200;
    for (const l of listeners) l({ method, route, status, seconds: ms / 1000 });
    const s = stats.get(key) ?? { count: 0, errors: 0, totalMs: 0, maxMs: 0 };
    s.count++;
    if (failed) s.errors++;
    s.totalMs += ms;
    s.maxMs = Math.max(s.maxMs, ms);
    stats.set(key, s);
  };

  const fetch = async (url: string | URL, init?: RequestInit): Promise<Response> => {
    const scope = als.getStore();
    const method = (init?.method ?? 'GET').toUpperCase();
    const route = scope?.route ?? new URL(url).pathname;
    const key = `${method} ${route}`;
    // A duration, not a point in time: performance.now() is monotonic and not the Clock's business.
    const started = performance.now();
    let res: Response;
    try {
      const signal = anySignal(init?.signal, scope?.signal);
      res = await undiciFetch(url, {
        ...init,
        ...(signal ? { signal } : {}),
        dispatcher: opts.dispatcher,
      });
    } catch (err) {
      const ms = performance.now() - started;
      const cause = causeOf(err);
      const { status, statusText } = networkFailureStatus(err);
      record(method, route, ms, status);
      if (scope) {
        scope.status = status;
        scope.statusText = statusText;
        scope.networkError = cause;
      }
      opts.logger.warn(
        { call: key, status, ms: Math.round(ms), err: cause },
        'proxmox unreachable',
      );
      return new Response(null, { status, statusText });
    }
    const ms = performance.now() - started;
    const failed = res.status !== 200;
    record(method, route, ms, res.status);
    opts.logger.debug({ call: key, status: res.status, ms: Math.round(ms) }, 'proxmox call');
    if (!scope || (!failed && !scope.captureBody)) return res;
    const body = await res.text();
    scope.status = res.status;
    scope.statusText = res.statusText;
    scope.body = body;
    // Hand proxmox-api an identical response, since its body was consumed here.
    return new Response(body === '' ? null : body, {
      status: res.status,
      statusText: res.statusText,
      headers: res.headers,
    });
  };

  return {
    fetch,
    run: (scope, fn) => als.run(scope, fn),
    stats: () => Object.fromEntries([...stats].map(([k, v]) => [k, { ...v }])),
    onCall: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
