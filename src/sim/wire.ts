/**
 * The bytes pveproxy puts on the wire (FACTS §1): the exact content type, `{"data":...}`, errors
 * as `{"data":null,"message":"...\n"}` with the first message line as the reason phrase, and
 * booleans as 0/1 because Perl's JSON has no booleans.
 */
import type { ServerResponse } from 'node:http';
import { PveError, ResultWithAttribs } from './types.js';

export const CONTENT_TYPE = 'application/json;charset=UTF-8';

const BASE_HEADERS = {
  'Cache-Control': 'max-age=0',
  Pragma: 'no-cache',
  Server: 'pve-api-daemon/3.0',
};

function boolAsInt(_key: string, value: unknown): unknown {
  return typeof value === 'boolean' ? (value ? 1 : 0) : value;
}

/** A status line may only carry visible Latin-1; Proxmox messages are ASCII in practice. */
export function reasonPhrase(message: string): string {
  const first = message.split('\n', 1)[0] ?? '';
  return first.replace(/[^\t\x20-\x7e]/g, '?').slice(0, 512);
}

function send(res: ServerResponse, status: number, reason: string, body: string): void {
  res.writeHead(status, reason, {
    ...BASE_HEADERS,
    'Content-Type': CONTENT_TYPE,
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}

/** Serialises a handler result; extra top-level keys come after `data`, sorted. */
export function successBody(result: unknown): string {
  if (result instanceof ResultWithAttribs) {
    const env: Record<string, unknown> = { data: result.data ?? null };
    for (const k of Object.keys(result.attribs).sort()) env[k] = result.attribs[k];
    return JSON.stringify(env, boolAsInt);
  }
  return `{"data":${JSON.stringify(result ?? null, boolAsInt)}}`;
}

export function sendSuccess(res: ServerResponse, result: unknown): number {
  send(res, 200, 'OK', successBody(result));
  return 200;
}

export function errorBody(err: PveError): string {
  const msg = err.message.endsWith('\n') ? err.message : `${err.message}\n`;
  const env: Record<string, unknown> = { data: null };
  if (err.errors) env.errors = err.errors;
  env.message = msg;
  return JSON.stringify(env);
}

export function sendError(res: ServerResponse, err: PveError): number {
  send(res, err.status, reasonPhrase(err.message), errorBody(err));
  return err.status;
}

/** Auth failures and proxy errors: a status line only, no content type, no body. */
export function sendBare(res: ServerResponse, status: number, reason: string): number {
  res.writeHead(status, reasonPhrase(reason), { ...BASE_HEADERS, 'Content-Length': 0 });
  res.end();
  return status;
}

/** Any thrown value as the PveError pveproxy would answer: `die` without a code is a 500. */
export function toPveError(err: unknown): PveError {
  if (err instanceof PveError) return err;
  const msg = err instanceof Error ? err.message : String(err);
  return new PveError(500, msg.endsWith('\n') ? msg : `${msg}\n`);
}
