/**
 * Caddy's admin API reached from inside the appliance: pxr runs `curl` through the Transport (the
 * admin API listens on the appliance's loopback, out of pxr's reach). The body goes on stdin, never on
 * the command line, and the HTTP status comes back on the last line of stdout.
 */
import { PxrError } from '../../core/errors.js';
import type { Transport } from '../transport/types.js';

export interface HttpAnswer {
  status: number;
  body: string;
}

const STATUS_MARK = '\n--pxr-status:';

/** One HTTP request with curl; rejects (retryable) when curl cannot reach the server at all. */
export async function curl(
  t: Transport,
  req: {
    method: string;
    url: string;
    body?: string;
    headers?: Record<string, string>;
    timeoutMs?: number;
  },
): Promise<HttpAnswer> {
  const timeoutMs = req.timeoutMs ?? 10_000;
  const argv = ['curl', '-sS', '-X', req.method, '-m', String(Math.ceil(timeoutMs / 1000))];
  for (const [k, v] of Object.entries(req.headers ?? {})) argv.push('-H', `${k}: ${v}`);
  if (req.body !== undefined)
    argv.push('-H', 'Content-Type: application/json', '--data-binary', '@-');
  argv.push('-w', `${STATUS_MARK}%{http_code}`, '--', req.url);
  const r = await t.exec(argv, { stdin: req.body ?? '', timeoutMs: timeoutMs + 5000 });
  const at = r.stdout.lastIndexOf(STATUS_MARK);
  if (r.code !== 0 || at < 0)
    throw new PxrError(
      'HTTP_UNREACHABLE',
      `${req.method} ${req.url} failed (curl exit ${r.code}): ${r.stderr.trim()}`,
      {
        context: { url: req.url, transport: t.description, curlExit: r.code },
      },
    );
  return {
    status: Number(r.stdout.slice(at + STATUS_MARK.length).trim()),
    body: r.stdout.slice(0, at),
  };
}

export class CaddyAdmin {
  constructor(
    private readonly t: Transport,
    /** `127.0.0.1:2019` */
    private readonly listen: string,
  ) {}

  private url(path: string): string {
    return `http://${this.listen}${path}`;
  }

  /** The running config; null when Caddy runs with none. */
  async getConfig(): Promise<unknown> {
    const r = await curl(this.t, { method: 'GET', url: this.url('/config/') });
    if (r.status !== 200)
      throw new PxrError(
        'CADDY_ADMIN_ERROR',
        `GET /config/ answered ${r.status}: ${r.body.trim()}`,
        {
          context: { service: 'caddy', status: r.status },
        },
      );
    return JSON.parse(r.body || 'null') as unknown;
  }

  /** Replaces the whole config; Caddy validates it first and keeps the old one when it is refused. */
  async load(config: unknown): Promise<HttpAnswer> {
    return curl(this.t, { method: 'POST', url: this.url('/load'), body: JSON.stringify(config) });
  }
}
