/**
 * An RFC 8555 ACME client: directory, nonces, account, order, authorization, challenge, finalize,
 * certificate download. node:crypto signs (jws.ts); undici carries the requests, trusting `caBundle`
 * on top of the system roots when a private server (Step-CA, Pebble) presents its own CA.
 * Every server error becomes an AcmeError carrying the problem document's type and detail
 * (`rateLimited` gets its own code so a rate limit is never mistaken for a transient failure).
 * A `badNonce` is retried with the fresh nonce the error carries, as §6.5 asks. Nothing here logs,
 * and no error carries a key.
 */
import type { KeyObject } from 'node:crypto';
import { Agent, fetch, type Dispatcher } from 'undici';
import { PxrError } from '../../../core/errors.js';
import { externalAccountBinding, signJws } from './jws.js';

const PREFIX = 'urn:ietf:params:acme:error:';

/** A problem document from the server (RFC 7807), or a transport failure reaching it. */
export class AcmeError extends PxrError {
  /** The problem type without the ACME prefix (`rateLimited`, `unauthorized`, `connection`...). */
  readonly type: string;
  readonly detail: string;
  readonly status: number;
  /** The server's Retry-After (rateLimited, 503): the controller retries no earlier. */
  retryAfterMs?: number;
  constructor(type: string, detail: string, status: number, cause?: unknown) {
    const short = type.startsWith(PREFIX) ? type.slice(PREFIX.length) : type;
    super(
      short === 'rateLimited' ? 'ACME_RATE_LIMITED' : 'ACME_ERROR',
      `ACME ${short}${status ? ` (HTTP ${status})` : ''}: ${detail}`,
      { cause, context: { acmeType: short, status } },
    );
    this.name = 'AcmeError';
    this.type = short;
    this.detail = detail;
    this.status = status;
  }
}

export interface AcmeDirectory {
  newNonce: string;
  newAccount: string;
  newOrder: string;
  revokeCert?: string;
  keyChange?: string;
  meta?: { termsOfService?: string; externalAccountRequired?: boolean };
}

export interface Identifier {
  type: 'dns' | 'ip';
  value: string;
}

export interface AcmeOrder {
  status: 'pending' | 'ready' | 'processing' | 'valid' | 'invalid';
  identifiers: Identifier[];
  authorizations: string[];
  finalize: string;
  certificate?: string;
  error?: Problem;
}

export interface AcmeChallenge {
  type: string;
  url: string;
  token: string;
  status: 'pending' | 'processing' | 'valid' | 'invalid';
  error?: Problem;
}

export interface AcmeAuthorization {
  identifier: Identifier;
  status: 'pending' | 'valid' | 'invalid' | 'deactivated' | 'expired' | 'revoked';
  challenges: AcmeChallenge[];
  wildcard?: boolean;
}

interface Problem {
  type?: string;
  detail?: string;
  subproblems?: Problem[];
}

export interface AcmeClientOptions {
  directoryUrl: string;
  /** The account key (ECDSA P-256). */
  accountKey: KeyObject;
  /** PEM CA certificates trusted for the ACME server on top of the system's. */
  caBundle?: string;
  /** Waits between polls (the composition root's clock; tests may pass real time with a fake clock). */
  sleep: (ms: number) => Promise<void>;
  /** Per request. @default 30000 */
  requestTimeoutMs?: number;
  /** How long an authorization or order may stay pending/processing. @default 120000 */
  pollTimeoutMs?: number;
}

interface Answer<T> {
  status: number;
  location: string | undefined;
  retryAfterMs: number | undefined;
  body: T;
}

/** Retry-After in seconds (the form ACME servers send); an HTTP date is not judged here. */
function retryAfterMs(header: string | null): number | undefined {
  const ra = Number(header ?? '');
  return header && Number.isFinite(ra) && ra > 0 ? ra * 1000 : undefined;
}

function problemOf(p: Problem | undefined, status: number): AcmeError {
  const sub = (p?.subproblems ?? []).map((s) => `${s.type ?? ''}: ${s.detail ?? ''}`).join('; ');
  return new AcmeError(
    p?.type ?? 'serverInternal',
    `${p?.detail ?? 'no detail'}${sub ? ` (${sub})` : ''}`,
    status,
  );
}

export class AcmeClient {
  private dir: AcmeDirectory | undefined;
  private nonce: string | undefined;
  private kid: string | undefined;
  private readonly dispatcher: Dispatcher | undefined;
  private readonly timeoutMs: number;
  private readonly pollTimeoutMs: number;

  constructor(private readonly o: AcmeClientOptions) {
    this.dispatcher = o.caBundle ? new Agent({ connect: { ca: o.caBundle } }) : undefined;
    this.timeoutMs = o.requestTimeoutMs ?? 30_000;
    this.pollTimeoutMs = o.pollTimeoutMs ?? 120_000;
  }

  /** The account key (http-01 key authorizations carry its thumbprint). */
  get accountKey(): KeyObject {
    return this.o.accountKey;
  }

  /** The account URL once `account()` ran. */
  get accountUrl(): string | undefined {
    return this.kid;
  }

  private async request(
    url: string,
    init: { method: string; body?: string; accept?: string },
  ): Promise<{ status: number; headers: Headers; text: string }> {
    try {
      const r = await fetch(url, {
        method: init.method,
        headers: {
          'content-type': 'application/jose+json',
          accept: init.accept ?? 'application/json',
          'user-agent': 'pxr-acme/1',
        },
        ...(init.body === undefined ? {} : { body: init.body }),
        signal: AbortSignal.timeout(this.timeoutMs),
        ...(this.dispatcher ? { dispatcher: this.dispatcher } : {}),
      });
      const nonce = r.headers.get('replay-nonce');
      if (nonce) this.nonce = nonce;
      return { status: r.status, headers: r.headers, text: await r.text() };
    } catch (err) {
      const e = err as Error & { cause?: { code?: string; message?: string } };
      const why = e.cause?.code ?? e.cause?.message ?? e.message;
      throw new AcmeError('connection', `${init.method} ${url} failed: ${why}`, 0, err);
    }
  }

  async directory(): Promise<AcmeDirectory> {
    if (this.dir) return this.dir;
    const r = await this.request(this.o.directoryUrl, { method: 'GET' });
    if (r.status !== 200)
      throw new AcmeError(
        'connection',
        `the directory ${this.o.directoryUrl} answered HTTP ${r.status}`,
        r.status,
      );
    const dir = JSON.parse(r.text) as AcmeDirectory;
    if (!dir.newNonce || !dir.newAccount || !dir.newOrder)
      throw new AcmeError('malformed', `${this.o.directoryUrl} is not an ACME directory`, 0);
    this.dir = dir;
    return dir;
  }

  private async freshNonce(): Promise<string> {
    if (this.nonce) {
      const n = this.nonce;
      this.nonce = undefined;
      return n;
    }
    const dir = await this.directory();
    await this.request(dir.newNonce, { method: 'HEAD' });
    const n = this.nonce;
    if (!n) throw new AcmeError('badNonce', 'the server handed out no Replay-Nonce', 0);
    this.nonce = undefined;
    return n;
  }

  /** A signed POST (payload undefined = POST-as-GET); retries a rejected nonce twice. */
  async post<T>(
    url: string,
    payload: unknown,
    opts: { useJwk?: boolean; accept?: string; extra?: Record<string, unknown> } = {},
  ): Promise<Answer<T>> {
    for (let attempt = 0; ; attempt++) {
      const nonce = await this.freshNonce();
      const body =
        opts.extra && payload !== undefined
          ? { ...(payload as Record<string, unknown>), ...opts.extra }
          : payload;
      const jws = signJws(
        this.o.accountKey,
        { url, nonce, ...(opts.useJwk || !this.kid ? {} : { kid: this.kid }) },
        body,
      );
      const r = await this.request(url, {
        method: 'POST',
        body: JSON.stringify(jws),
        ...(opts.accept ? { accept: opts.accept } : {}),
      });
      if (r.status >= 400) {
        let p: Problem | undefined;
        try {
          p = JSON.parse(r.text) as Problem;
        } catch {
          p = { type: 'serverInternal', detail: r.text.slice(0, 200) };
        }
        if (p.type === `${PREFIX}badNonce` && attempt < 2) continue;
        const err = problemOf(p, r.status);
        const wait = retryAfterMs(r.headers.get('retry-after'));
        if (wait !== undefined) err.retryAfterMs = wait;
        throw err;
      }
      const isJson = (r.headers.get('content-type') ?? '').includes('json');
      return {
        status: r.status,
        location: r.headers.get('location') ?? undefined,
        retryAfterMs: retryAfterMs(r.headers.get('retry-after')),
        body: (isJson ? JSON.parse(r.text) : r.text) as T,
      };
    }
  }

  /**
   * Registers the account (or finds it: newAccount for an existing key answers 200 with its URL).
   * The terms of service are agreed to: pxr is the operator's agent and the manifest names the CA.
   */
  async account(opts: {
    email?: string | undefined;
    eab?: { keyId: string; hmacKey: string } | undefined;
  }): Promise<{ url: string; status: string; created: boolean }> {
    const dir = await this.directory();
    const payload: Record<string, unknown> = { termsOfServiceAgreed: true };
    if (opts.email) payload['contact'] = [`mailto:${opts.email}`];
    if (opts.eab)
      payload['externalAccountBinding'] = externalAccountBinding(
        this.o.accountKey,
        opts.eab,
        dir.newAccount,
      );
    else if (dir.meta?.externalAccountRequired)
      throw new AcmeError(
        'externalAccountRequired',
        'this ACME server requires an external account binding (spec.acme.externalAccountBinding)',
        0,
      );
    const r = await this.post<{ status: string }>(dir.newAccount, payload, { useJwk: true });
    if (!r.location) throw new AcmeError('malformed', 'newAccount answered without Location', 0);
    this.kid = r.location;
    return { url: r.location, status: r.body.status, created: r.status === 201 };
  }

  async newOrder(identifiers: Identifier[]): Promise<{ url: string; order: AcmeOrder }> {
    const dir = await this.directory();
    const r = await this.post<AcmeOrder>(dir.newOrder, { identifiers });
    if (!r.location) throw new AcmeError('malformed', 'newOrder answered without Location', 0);
    return { url: r.location, order: r.body };
  }

  async authorization(url: string): Promise<AcmeAuthorization> {
    return (await this.post<AcmeAuthorization>(url, undefined)).body;
  }

  /** Tells the server the challenge is ready to be validated. */
  async respond(challengeUrl: string): Promise<void> {
    await this.post(challengeUrl, {});
  }

  /** Polls `url` until `done` holds; fails after pollTimeoutMs worth of waits. */
  private async poll<T>(url: string, done: (b: T) => boolean, what: string): Promise<T> {
    let waited = 0;
    for (;;) {
      const r = await this.post<T>(url, undefined);
      if (done(r.body)) return r.body;
      const wait = Math.min(Math.max(r.retryAfterMs ?? 500, 250), 10_000);
      if (waited + wait > this.pollTimeoutMs)
        throw new AcmeError('timeout', `${what} still pending after ${waited} ms`, 0);
      await this.o.sleep(wait);
      waited += wait;
    }
  }

  async waitAuthorization(url: string): Promise<AcmeAuthorization> {
    const a = await this.poll<AcmeAuthorization>(
      url,
      (b) => b.status !== 'pending',
      `authorization ${url}`,
    );
    if (a.status !== 'valid') {
      const failed = a.challenges.find((c) => c.error)?.error;
      throw problemOf(
        failed ?? {
          type: 'unauthorized',
          detail: `authorization for ${a.identifier.value} is ${a.status}`,
        },
        0,
      );
    }
    return a;
  }

  /** Sends the CSR (DER) and waits for the order to be valid. */
  async finalize(orderUrl: string, order: AcmeOrder, csrDer: Buffer): Promise<AcmeOrder> {
    const r = await this.post<AcmeOrder>(order.finalize, { csr: csrDer.toString('base64url') });
    const done = (o: AcmeOrder): boolean => o.status === 'valid' || o.status === 'invalid';
    const o = done(r.body)
      ? r.body
      : await this.poll<AcmeOrder>(orderUrl, done, `order ${orderUrl}`);
    if (o.status !== 'valid' || !o.certificate)
      throw problemOf(o.error ?? { type: 'serverInternal', detail: `order is ${o.status}` }, 0);
    return o;
  }

  async waitOrderReady(orderUrl: string): Promise<AcmeOrder> {
    const o = await this.poll<AcmeOrder>(
      orderUrl,
      (b) => b.status !== 'pending',
      `order ${orderUrl}`,
    );
    if (o.status === 'invalid')
      throw problemOf(o.error ?? { type: 'unauthorized', detail: 'the order became invalid' }, 0);
    return o;
  }

  /** The PEM chain, leaf first. */
  async certificate(url: string): Promise<string> {
    const r = await this.post<string>(url, undefined, {
      accept: 'application/pem-certificate-chain',
    });
    return typeof r.body === 'string' ? r.body : String(r.body);
  }

  close(): Promise<void> {
    return this.dispatcher ? this.dispatcher.close() : Promise.resolve();
  }
}
