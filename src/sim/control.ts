/**
 * `/_sim/...`: JSON control endpoints outside the Proxmox API, for people and for tests in other
 * processes. Everything here is also a method on the Simulator object.
 *
 *   GET    /_sim/state                     current state          POST /_sim/state   restore it
 *   POST   /_sim/reset                     back to the seed
 *   GET    /_sim/faults                    active rules           DELETE /_sim/faults  clear all
 *   POST   /_sim/faults/latency            {method?, route?, ms}
 *   POST   /_sim/faults/error              {method?, route?, status, message, errors?, probability?, count?}
 *   POST   /_sim/faults/task-failure       {type?, id?, message, count?}
 *   POST   /_sim/faults/lock               {vmid, on}
 *   POST   /_sim/nodes/{node}/unreachable  {unreachable, status?: 595|596}
 *   GET    /_sim/requests?method=&route=   {count, entries}       DELETE /_sim/requests
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SimState } from './state.js';
import type { Faults } from './faults.js';
import type { RequestLog } from './request-log.js';
import { MAX_BODY_BYTES } from './server.js';

export interface ControlTarget {
  readonly state: SimState;
  readonly faults: Faults;
  readonly requests: RequestLog;
  snapshot(): SimState;
  restore(state: SimState): void;
  reset(): void;
  setNodeUnreachable(node: string, unreachable: boolean, status?: 595 | 596): void;
}

class ControlError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body ?? null);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    // The state of a big cluster is larger than an API body; allow 16 MiB.
    if (size > MAX_BODY_BYTES * 32) throw new ControlError(413, 'body too large');
    chunks.push(c);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new ControlError(400, 'body is not valid JSON');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new ControlError(400, 'body must be a JSON object');
  }
  return v as Record<string, unknown>;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function num(body: Record<string, unknown>, key: string, required = false): number | undefined {
  const v = body[key];
  if (v === undefined && !required) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new ControlError(400, `'${key}' must be a number`);
  }
  return v;
}

async function route(
  t: ControlTarget,
  method: string,
  path: string,
  query: URLSearchParams,
  req: IncomingMessage,
): Promise<unknown> {
  const body = method === 'POST' || method === 'PUT' ? await readJson(req) : {};
  const key = `${method} ${path}`;
  switch (key) {
    case 'GET /_sim/state':
      return t.snapshot();
    case 'POST /_sim/state':
      t.restore((body.state ?? body) as SimState);
      return { restored: true };
    case 'POST /_sim/reset':
      t.reset();
      return { reset: true };
    case 'GET /_sim/faults':
      return t.faults.snapshot();
    case 'DELETE /_sim/faults':
      t.faults.clear();
      return { cleared: true };
    case 'POST /_sim/faults/latency':
      t.faults.addLatency({
        ms: num(body, 'ms', true) ?? 0,
        ...opt('method', str(body.method)),
        ...opt('route', str(body.route)),
      });
      return { added: true };
    case 'POST /_sim/faults/error': {
      const message = str(body.message);
      if (message === undefined) throw new ControlError(400, "'message' is required");
      const errors = body.errors;
      t.faults.addError({
        status: num(body, 'status', true) ?? 500,
        message,
        ...opt('method', str(body.method)),
        ...opt('route', str(body.route)),
        ...opt('probability', num(body, 'probability')),
        ...opt('count', num(body, 'count')),
        ...opt(
          'errors',
          typeof errors === 'object' && errors !== null
            ? (errors as Record<string, string>)
            : undefined,
        ),
      });
      return { added: true };
    }
    case 'POST /_sim/faults/task-failure': {
      const message = str(body.message);
      if (message === undefined) throw new ControlError(400, "'message' is required");
      t.faults.addTaskFailure({
        message,
        ...opt('type', str(body.type)),
        ...opt('id', typeof body.id === 'number' ? String(body.id) : str(body.id)),
        ...opt('count', num(body, 'count')),
      });
      return { added: true };
    }
    case 'POST /_sim/faults/lock': {
      if (body.vmid === undefined) throw new ControlError(400, "'vmid' is required");
      const vmid = body.vmid;
      if (typeof vmid !== 'string' && typeof vmid !== 'number') {
        throw new ControlError(400, "'vmid' must be a number or a string");
      }
      t.faults.setLockContention(vmid, body.on !== false);
      return { locked: body.on !== false };
    }
    case 'GET /_sim/requests': {
      const filter = {
        ...opt('method', query.get('method') ?? undefined),
        ...opt('route', query.get('route') ?? undefined),
      };
      return { count: t.requests.count(filter), entries: t.requests.list(filter) };
    }
    case 'DELETE /_sim/requests':
      t.requests.clear();
      return { cleared: true };
    default: {
      const m = /^POST \/_sim\/nodes\/([^/]+)\/unreachable$/.exec(key);
      if (m?.[1]) {
        const node = decodeURIComponent(m[1]);
        if (!t.state.nodes[node]) throw new ControlError(404, `no such node '${node}'`);
        const status = body.status ?? 595;
        if (status !== 595 && status !== 596) {
          throw new ControlError(400, "'status' must be 595 (down) or 596 (TLS failure)");
        }
        t.setNodeUnreachable(node, body.unreachable !== false, status);
        return { node, unreachable: body.unreachable !== false, status };
      }
      throw new ControlError(404, `no control endpoint ${key}`);
    }
  }
}

function opt<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

export async function handleControl(
  t: ControlTarget,
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
  query: string,
): Promise<void> {
  try {
    const out = await route(t, req.method ?? 'GET', pathname, new URLSearchParams(query), req);
    reply(res, 200, out);
  } catch (err) {
    const status = err instanceof ControlError ? err.status : 500;
    reply(res, status, { error: err instanceof Error ? err.message : String(err) });
  }
}
