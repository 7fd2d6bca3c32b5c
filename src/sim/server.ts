/**
 * The `/api2/json` request pipeline, in pveproxy's order: method and body checks, routing (needed
 * to know unauthenticated and token-less routes), authentication, privileges, node proxying
 * (unknown node 500, unreachable node 595), injected faults, parameter verification, handler.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../core/clock.js';
import type { EndpointDef, RequestContext, SimContext } from './types.js';
import { PveError } from './types.js';
import type { SimState } from './state.js';
import type { Router } from './router.js';
import { uriUnescape } from './router.js';
import type { RawParams } from './validate.js';
import { validateParams } from './validate.js';
import { aclPath, authenticate, checkPrivs, requestCredentials } from './auth.js';
import { reasonPhrase, sendBare, sendError, sendSuccess, toPveError } from './wire.js';
import type { Faults } from './faults.js';
import type { RequestLog } from './request-log.js';
import type { TaskManager } from './tasks.js';
import { multipartBoundary, parseMultipart } from './multipart.js';

/** pve-http-server PVE/APIServer/AnyEvent.pm `$limit_max_post` (512 KiB since 5.2.1, fix #6230). */
export const MAX_BODY_BYTES = 512 * 1024;
const API_PREFIX = '/api2/json';
/** The only route pveproxy accepts `multipart/form-data` on (pve-storage Status.pm `upload`). */
const UPLOAD_ROUTE = '/nodes/{node}/storage/{storage}/upload';

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

/** The body bytes (its Content-Length was checked against {@link MAX_BODY_BYTES} already). */
function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * pve-http-server AnyEvent.pm `error`: the message is the reason phrase and the whole body, with
 * no content type; any answer >= 400 ends keep-alive.
 */
function sendPlain(req: IncomingMessage, res: ServerResponse, status: number, msg: string): number {
  req.resume();
  res.writeHead(status, reasonPhrase(msg), {
    'Cache-Control': 'max-age=0',
    Pragma: 'no-cache',
    Server: 'pve-api-daemon/3.0',
    Connection: 'close',
    'Content-Length': Buffer.byteLength(msg),
  });
  res.end(msg);
  return status;
}

/** AnyEvent.pm `parse_content_type`: the media type before any `;` or `,` parameter. */
function mediaType(ctype: string): string {
  return ctype.split(/\s*[;,]\s*/)[0] ?? '';
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
    // AnyEvent.pm handle_api2_request delays every 401 answer to 3 s after the request started,
    // a failed POST /access/ticket login too.
    const wait = core.authFailureDelayMs - (core.clock.now() - started);
    if (e.status === 401 && !res.headersSent && wait > 0) await core.clock.sleep(wait);
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
  const plain = (status: number, msg: string): Outcome => ({
    status: sendPlain(req, res, status, msg),
    route: rel,
    params: {},
  });
  // AnyEvent.pm process_header refuses any transfer encoding before authentication.
  const te = req.headers['transfer-encoding'];
  if (te !== undefined && te !== '') {
    return te.toLowerCase() === 'chunked'
      ? plain(501, 'chunked transfer encoding not supported')
      : plain(501, `Unknown transfer encoding '${te}'`);
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
  if (!isNoAuth(method, rel)) {
    const auth = authenticate(state, core.ticketKey, req.headers, method, now);
    if (!auth.ok) {
      if (core.authFailureDelayMs > 0) await core.clock.sleep(core.authFailureDelayMs);
      return { status: sendBare(res, auth.status, auth.reason), route, params: {} };
    }
    caller = auth.caller;
    privs = auth.privs;
  }

  // AnyEvent.pm authenticate_and_handle_request, after authentication: a body only on PUT/POST,
  // at most $limit_max_post bytes, and only form or JSON content, or multipart on the upload route
  // (the simulator bounds an upload by the same limit; pveproxy streams it to /var/tmp).
  const len = Number(req.headers['content-length'] ?? 0);
  let body = '';
  let upload: { boundary: string; bytes: Buffer } | undefined;
  if (len > 0) {
    if (method !== 'PUT' && method !== 'POST') {
      return plain(501, `Unexpected content for method '${method}'`);
    }
    if (len > MAX_BODY_BYTES) return plain(501, 'for data too large');
    const ctype = req.headers['content-type'];
    const ct = ctype ? mediaType(ctype) : '';
    const boundary =
      ct === 'multipart/form-data' && method === 'POST' && ep?.path === UPLOAD_ROUTE && ctype
        ? multipartBoundary(ctype)
        : undefined;
    if (
      boundary === undefined &&
      ct !== '' &&
      ct !== 'application/x-www-form-urlencoded' &&
      ct !== 'application/json'
    ) {
      return plain(506, `upload 'Content-Type '${ctype ?? ''}' not implemented`);
    }
    const bytes = await readBody(req);
    if (boundary !== undefined) upload = { boundary, bytes };
    else body = bytes.toString('utf8');
  } else {
    req.resume();
  }

  if (!ep || !match) {
    return fail(new PveError(501, `Method '${method} ${rel}' not implemented\n`), route);
  }
  // pve-manager PVE/HTTPServer.pm rest_handler: checked after authentication, and even on the
  // routes that need none (an API token header on POST /access/ticket).
  if (ep.allowToken === false && requestCredentials(req.headers).apiToken !== undefined) {
    return fail(
      new PveError(403, `URI '${rel}' not available with API token, need proper ticket.\n`),
      route,
    );
  }

  const raw: RawParams = new Map();
  if (query !== '') for (const [k, v] of new URLSearchParams(query)) addParam(raw, k, v);
  let file: RequestContext['upload'];
  if (upload) {
    const form = parseMultipart(upload.bytes, upload.boundary);
    for (const [k, v] of form.fields) addParam(raw, k, v);
    if (form.file) {
      // pveproxy stores the file part as /var/tmp/pveupload-<hex> and passes both names on.
      const tmpfilename = `/var/tmp/pveupload-${createHash('md5').update(upload.bytes).digest('hex')}`;
      raw.set(form.file.name, [form.file.filename]);
      raw.set('tmpfilename', [tmpfilename]);
      file = { tmpfilename, data: form.file.data };
    }
  } else {
    parseBody(body, req.headers['content-type'], raw);
  }
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
    // AnyEvent::HTTP pseudo-statuses of the proxied request (FACTS §1): 595 when the node does
    // not answer, 596 when the TLS handshake with its pveproxy fails.
    if (node.unreachable) {
      const [status, reason] =
        node.proxyStatus === 596 ? [596, 'Broken pipe'] : [595, 'Connection refused'];
      return { status: sendBare(res, status, reason), route, params: {} };
    }
  }

  const latency = core.latencyMs + core.faults.latencyFor(method, route);
  if (latency > 0) await core.clock.sleep(latency);
  const injected = core.faults.errorFor(method, route);
  if (injected) {
    return fail(new PveError(injected.status, injected.message, injected.errors), route);
  }

  const params = validateParams(ep, raw);
  const ctx: RequestContext = {
    method: ep.method,
    route,
    params,
    caller,
    sim: core.ctx,
    ...(file ? { upload: file } : {}),
  };
  let result = ep.handler(ctx);
  if (result instanceof Promise) result = await result;
  // A successful write changed something: persist it even if the handler forgot to touch().
  if (ep.method !== 'GET') core.ctx.touch();
  return { status: sendSuccess(res, result), route, params };
}

export { hostnameLookupError };
