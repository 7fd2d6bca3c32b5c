/**
 * The `/api2/json` request pipeline, in pveproxy's order: method and body checks, routing (needed
 * to know unauthenticated and token-less routes), authentication, privileges, node proxying
 * (unknown node 500, unreachable node 595), injected faults, parameter verification, handler.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../core/clock.js';
import type { EndpointDef, RequestContext, SimContext } from './types.js';
import { PveError } from './types.js';
import type { SimState } from './state.js';
import type { Router } from './router.js';
import { uriUnescape } from './router.js';
import type { RawParams } from './validate.js';
import { validateParams } from './validate.js';
import { aclPath, authenticate, checkPrivs, hasTokenHeader } from './auth.js';
import { sendBare, sendError, sendSuccess, toPveError } from './wire.js';
import type { Faults } from './faults.js';
import type { RequestLog } from './request-log.js';
import type { TaskManager } from './tasks.js';

/** pve-http-server's `$limit_max_post`. */
export const MAX_BODY_BYTES = 64 * 1024;
const API_PREFIX = '/api2/json';

export interface ServerCore {
  state(): SimState;
  clock: Clock;
  router: Router;
  tasks: TaskManager;
  faults: Faults;
  requests: RequestLog;
  ctx: SimContext;
  ticketKey: Buffer;
  /** Delay before answering a failed authentication (pveproxy: 3000 ms). */
  authFailureDelayMs: number;
  /** Latency added to every API request. */
  latencyMs: number;
}

/** Routes that need no authentication (pve-manager PVE/HTTPServer.pm auth_handler). */
function isNoAuth(method: string, rel: string): boolean {
  if (rel === '/access/domains' && method === 'GET') return true;
  return rel === '/access/ticket' && (method === 'GET' || method === 'POST');
}

function hostnameLookupError(node: string): PveError {
  return new PveError(
    500,
    `hostname lookup '${node}' failed - failed to get address info for: ${node}: Name or service not known\n`,
  );
}

function addParam(raw: RawParams, key: string, value: string): void {
  const list = raw.get(key);
  if (list) list.push(value);
  else raw.set(key, [value]);
}

/** Parses a form or JSON body into raw string parameters. */
export function parseBody(body: string, contentType: string | undefined, raw: RawParams): void {
  if (body === '') return;
  if (contentType?.toLowerCase().startsWith('application/json')) {
    let obj: unknown;
    try {
      obj = JSON.parse(body);
    } catch {
      throw new PveError(400, 'malformed JSON string in request body\n');
    }
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
      throw new PveError(400, 'request body is not a JSON object\n');
    }
    for (const [k, v] of Object.entries(obj as Record<string, unknown>)) {
      const values = Array.isArray(v) ? (v as unknown[]) : [v];
      for (const x of values) {
        if (x === null || x === undefined) continue;
        if (typeof x === 'boolean') addParam(raw, k, x ? '1' : '0');
        else if (typeof x === 'string') addParam(raw, k, x);
        else if (typeof x === 'number') addParam(raw, k, String(x));
        else addParam(raw, k, JSON.stringify(x));
      }
    }
    return;
  }
  for (const [k, v] of new URLSearchParams(body)) addParam(raw, k, v);
}

/** The body text, or undefined when it exceeds {@link MAX_BODY_BYTES}. */
function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(c);
    });
    req.on('end', () => resolve(tooLarge ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

interface Outcome {
  status: number;
  route: string;
  params: Record<string, unknown>;
}

/** Handles one `/api2/json` request; always answers, never throws. */
export async function handleApi(
  core: ServerCore,
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
  query: string,
): Promise<void> {
  const started = core.clock.now();
  const method = req.method ?? 'GET';
  const rel = pathname.slice(API_PREFIX.length) || '/';
  const seen = { route: rel };
  let out: Outcome;
  try {
    out = await pipeline(core, req, res, method, rel, query, seen);
  } catch (err) {
    const e = toPveError(err);
    const status = res.headersSent ? res.statusCode : sendError(res, e);
    out = { status, route: seen.route, params: {} };
  }
  core.requests.record({
    method,
    route: out.route,
    params: out.params,
    status: out.status,
    durationMs: core.clock.now() - started,
    at: started,
  });
}

async function pipeline(
  core: ServerCore,
  req: IncomingMessage,
  res: ServerResponse,
  method: string,
  rel: string,
  query: string,
  seen: { route: string },
): Promise<Outcome> {
  const fail = (e: PveError, route = rel): Outcome => ({
    status: sendError(res, e),
    route,
    params: {},
  });
  const known = method === 'GET' || method === 'POST' || method === 'PUT' || method === 'DELETE';
  const hasBody =
    Number(req.headers['content-length'] ?? 0) > 0 ||
    req.headers['transfer-encoding'] !== undefined;
  if (known && hasBody && (method === 'GET' || method === 'DELETE')) {
    req.resume();
    return fail(new PveError(501, `Unexpected content for method '${method}'\n`));
  }
  let body = '';
  if (hasBody) {
    const b = await readBody(req);
    if (b === undefined) {
      return { status: sendBare(res, 413, 'Request Entity Too Large'), route: rel, params: {} };
    }
    body = b;
  }

  // RESTHandler::find_handler splits on /+ and skips empty fragments.
  const segments = uriUnescape(rel)
    .split('/')
    .filter((x) => x !== '');
  const match = known ? core.router.match(method, segments) : undefined;
  const ep: EndpointDef | undefined = match?.endpoint;
  const route = ep?.path ?? rel;
  seen.route = route;

  core.tasks.settle();
  const state = core.state();
  const now = core.clock.now();

  // Authentication happens before a missing route is reported (pveproxy auth_handler).
  let caller: RequestContext['caller'] = { user: 'root@pam', upidUser: 'root@pam' };
  let privs: readonly string[] | '*' = '*';
  if (ep && ep.allowToken === false && hasTokenHeader(req.headers)) {
    return fail(
      new PveError(403, `URI '${rel}' not available with API token, need proper ticket.\n`),
      route,
    );
  }
  if (!isNoAuth(method, rel)) {
    const auth = authenticate(state, core.ticketKey, req.headers, method, now);
    if (!auth.ok) {
      if (core.authFailureDelayMs > 0) await core.clock.sleep(core.authFailureDelayMs);
      return { status: sendBare(res, auth.status, auth.reason), route, params: {} };
    }
    caller = auth.caller;
    privs = auth.privs;
  }
  if (!ep || !match) {
    return fail(new PveError(501, `Method '${method} ${rel}' not implemented\n`), route);
  }

  const raw: RawParams = new Map();
  if (query !== '') for (const [k, v] of new URLSearchParams(query)) addParam(raw, k, v);
  parseBody(body, req.headers['content-type'], raw);
  for (const [k, v] of match.pathParams) raw.set(k, [v]);

  if (ep.permission && privs !== '*') {
    const flat: Record<string, string | undefined> = {};
    for (const [k, v] of raw) flat[k] = v[0];
    const path = aclPath(ep.permission.path, flat);
    const denied = checkPrivs(privs, ep.permission.privs, path);
    if (denied) return fail(new PveError(403, denied), route);
  }

  const nodeName = raw.get('node')?.[0];
  if (nodeName !== undefined && ep.path.includes('{node}')) {
    const node = state.nodes[nodeName];
    if (!node) return fail(hostnameLookupError(nodeName), route);
    if (node.unreachable) {
      return { status: sendBare(res, 595, 'Connection refused'), route, params: {} };
    }
  }

  const latency = core.latencyMs + core.faults.latencyFor(method, route);
  if (latency > 0) await core.clock.sleep(latency);
  const injected = core.faults.errorFor(method, route);
  if (injected) {
    return fail(new PveError(injected.status, injected.message, injected.errors), route);
  }

  const params = validateParams(ep, raw);
  const ctx: RequestContext = { method: ep.method, route, params, caller, sim: core.ctx };
  let result = ep.handler(ctx);
  if (result instanceof Promise) result = await result;
  // A successful write changed something: persist it even if the handler forgot to touch().
  if (ep.method !== 'GET') core.ctx.touch();
  return { status: sendSuccess(res, result), route, params };
}

export { hostnameLookupError };
