/**
 * Proxmox errors, translated once (here) into typed errors with stable codes. Everything above the
 * adapter branches on `code` / `retryable`, never on message text.
 */
import { PxrError } from '../core/errors.js';

export type PveErrorCode =
  | 'NOT_FOUND'
  | 'LOCKED'
  | 'UNREACHABLE'
  | 'TLS'
  | 'PERMISSION'
  | 'PARAM'
  | 'DIGEST_MISMATCH'
  | 'AUTH'
  | 'NOT_IMPLEMENTED'
  | 'PROTOCOL'
  | 'SERVER';

/** What the transport saw of one failed request (status line and body, or a network error). */
export interface FailedCall {
  method: string;
  /** Route template, e.g. `/nodes/{node}/network/{iface}`. */
  route: string;
  /** Concrete path below `/api2/json`. */
  path: string;
  status: number;
  statusText: string;
  /** Raw response body, when there was one. */
  body?: string | undefined;
  /** The network/TLS error that the transport turned into a 595/596. */
  networkError?: Error | undefined;
}

export class PveApiError extends PxrError {
  readonly status: number;
  readonly method: string;
  readonly route: string;
  readonly path: string;
  /** First line of Proxmox's message (the HTTP reason phrase). */
  readonly pveMessage: string;
  /** Per-parameter errors of a `400 Parameter verification failed.` */
  readonly paramErrors: Record<string, string>;
  readonly retryable: boolean;
  constructor(
    code: PveErrorCode,
    message: string,
    f: Omit<PveApiError, keyof PxrError | 'name' | 'message' | 'stack' | 'cause'>,
    cause?: unknown,
  ) {
    super(code, message, {
      cause,
      context: { method: f.method, route: f.route, path: f.path, status: f.status },
    });
    this.name = 'PveApiError';
    this.status = f.status;
    this.method = f.method;
    this.route = f.route;
    this.path = f.path;
    this.pveMessage = f.pveMessage;
    this.paramErrors = f.paramErrors;
    this.retryable = f.retryable;
  }
}

/** A task that ended with an exitstatus other than `OK` / `WARNINGS: n`. */
export class PveTaskError extends PxrError {
  readonly upid: string;
  readonly exitstatus: string;
  constructor(upid: string, exitstatus: string) {
    super('TASK_FAILED', `task ${upid} failed: ${exitstatus}`, { context: { upid, exitstatus } });
    this.name = 'PveTaskError';
    this.upid = upid;
    this.exitstatus = exitstatus;
  }
}

export function isPveApiError(err: unknown, code?: PveErrorCode): err is PveApiError {
  return err instanceof PveApiError && (code === undefined || err.code === code);
}

function parseBody(body: string | undefined): {
  message?: string;
  errors?: Record<string, string>;
} {
  if (!body) return {};
  try {
    const j = JSON.parse(body) as unknown;
    if (j === null || typeof j !== 'object') return {};
    const o = j as { message?: unknown; errors?: unknown };
    const out: { message?: string; errors?: Record<string, string> } = {};
    if (typeof o.message === 'string') out.message = o.message;
    if (o.errors && typeof o.errors === 'object') {
      out.errors = Object.fromEntries(
        Object.entries(o.errors as Record<string, unknown>).map(([k, v]) => [k, String(v)]),
      );
    }
    return out;
  } catch {
    // Not JSON (an HTML proxy page, a truncated body): the status line alone must do.
    return {};
  }
}

const LOCK_RE =
  /is locked|can't lock file|got lock request timeout|got timeout|lock request timeout/i;
const MISSING_RE = /does not exist|no such task|hostname lookup '.*' failed|not found/i;

// OpenSSL verification failures: a trust configuration problem that retrying will not fix.
function isCertError(err: Error | undefined): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  return (
    typeof code === 'string' &&
    /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ERR_TLS_CERT_ALTNAME/.test(code)
  );
}

/** Classifies a status + message into a stable code and whether retrying can help. */
export function classify(
  status: number,
  message: string,
  paramErrors: Record<string, string>,
  networkError?: Error,
): { code: PveErrorCode; retryable: boolean } {
  if (networkError instanceof TlsPinError || isCertError(networkError)) {
    return { code: 'TLS', retryable: false };
  }
  if (status === 595 || status === 596 || status === 597)
    return { code: 'UNREACHABLE', retryable: true };
  if (status === 401) return { code: 'AUTH', retryable: false };
  if (status === 403) return { code: 'PERMISSION', retryable: false };
  if (status === 501) return { code: 'NOT_IMPLEMENTED', retryable: false };
  const texts = [message, ...Object.values(paramErrors)].join('\n');
  if (/detected modified configuration/.test(texts))
    return { code: 'DIGEST_MISMATCH', retryable: true };
  if (MISSING_RE.test(texts)) return { code: 'NOT_FOUND', retryable: false };
  if (LOCK_RE.test(texts)) return { code: 'LOCKED', retryable: true };
  if (status === 400) return { code: 'PARAM', retryable: false };
  if (status === 502 || status === 503 || status === 504)
    return { code: 'SERVER', retryable: true };
  if (/timeout|timed out/i.test(texts)) return { code: 'SERVER', retryable: true };
  return { code: 'SERVER', retryable: false };
}

/** Translates what the transport captured into a {@link PveApiError}. Never sees headers (secrets). */
export function translateFailure(f: FailedCall): PveApiError {
  const body = parseBody(f.body);
  const full = body.message ?? f.statusText;
  const pveMessage = (full.split('\n')[0] ?? '').trim() || f.statusText || `HTTP ${f.status}`;
  const paramErrors = body.errors ?? {};
  const { code, retryable } = classify(f.status, pveMessage, paramErrors, f.networkError);
  const detail = Object.entries(paramErrors)
    .map(([k, v]) => `${k}: ${v.trim()}`)
    .join('; ');
  const message = `${f.method} ${f.path}: ${f.status} ${pveMessage}${detail ? ` (${detail})` : ''}`;
  return new PveApiError(
    code,
    message,
    {
      status: f.status,
      method: f.method,
      route: f.route,
      path: f.path,
      pveMessage,
      paramErrors,
      retryable,
    },
    f.networkError,
  );
}

/** The server certificate did not match the pinned SHA-256 fingerprint. */
export class TlsPinError extends PxrError {
  constructor(expected: string, actual: string | undefined, host: string) {
    super(
      'TLS_PIN_MISMATCH',
      `certificate fingerprint mismatch for ${host}: expected ${expected}, got ${actual ?? 'no certificate'}`,
      { context: { host, expected, actual } },
    );
    this.name = 'TlsPinError';
  }
}
