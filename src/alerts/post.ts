/**
 * Sends one rendered request. The URL is a secret (a Slack or Discord webhook URL is a credential):
 * it never appears in an error or a log line, only the sink's name and the status or error code.
 */
import { fetch } from 'undici';
import type { OutboundRequest } from './render/types.js';

export interface PostResult {
  ok: boolean;
  /** HTTP status, or 0 when no answer came. */
  status: number;
  /** Why it failed, without the URL. */
  error?: string;
  /** `Retry-After` in ms, when the sink asked to slow down (429/503). */
  retryAfterMs?: number;
}

export type Poster = (req: OutboundRequest, timeoutMs: number) => Promise<PostResult>;

/** `Retry-After` in seconds (what Slack, Discord and ntfy send); an HTTP date is ignored. */
function retryAfter(value: string | null): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const s = Number(value);
  return Number.isFinite(s) && s >= 0 ? s * 1000 : undefined;
}

export const httpPost: Poster = async (req, timeoutMs) => {
  try {
    const res = await fetch(req.url, {
      method: 'POST',
      headers: req.headers,
      body: req.body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    // Read (and drop) the body so the connection can be reused.
    const text = await res.text().catch(() => '');
    if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status };
    const after = retryAfter(res.headers.get('retry-after'));
    return {
      ok: false,
      status: res.status,
      error: `HTTP ${res.status}${text ? `: ${text.replace(/\s+/g, ' ').slice(0, 200)}` : ''}`,
      ...(after !== undefined ? { retryAfterMs: after } : {}),
    };
  } catch (err) {
    const e = err as { name?: string; cause?: { code?: string; name?: string } };
    const code = e.cause?.code ?? e.cause?.name ?? e.name ?? 'error';
    const why = e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : code;
    return { ok: false, status: 0, error: `request failed: ${why}` };
  }
};
