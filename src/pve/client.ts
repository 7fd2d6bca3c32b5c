/**
 * The one implementation of {@link PveClient}, and the only importer of `proxmox-api`. Requests go
 * through a global p-queue (a cap on concurrent calls to the cluster), then proxmox-api's engine,
 * then the counting, error-capturing transport. Errors come out translated once: `PveApiError`.
 */
import { ProxmoxEngine } from 'proxmox-api';
import PQueue from 'p-queue';
import type { Logger } from 'pino';
import type { Clock } from '../core/clock.js';
import { ambientSignal } from '../core/cancel.js';
import { PxrError } from '../core/errors.js';
import { PveApiError, translateFailure } from './errors.js';
import { apiPath, routeTemplate } from './route.js';
import { createDispatcher } from './tls.js';
import { createTransport, type CallScope } from './transport.js';
import type {
  NetworkIface,
  NetworkList,
  Params,
  PveClient,
  PveNode,
  PveResource,
  PveVersion,
  TaskListEntry,
  TaskLogLine,
  TaskStatus,
} from './types.js';

export interface PveClientOptions {
  /** `https://pve.example:8006` (or `http://127.0.0.1:port` for the simulator). */
  url: string;
  /** `root@pam!pxr` */
  tokenId: string;
  /** Lower-case UUID. Never logged, never put in an error. */
  tokenSecret: string;
  /** PEM CA file to verify the server certificate with. */
  caFile?: string;
  /** Pin of the server certificate: SHA-256 `AA:BB:...`. */
  fingerprint?: string;
  /** Accept any certificate (explicit opt-in only). */
  insecure?: boolean;
  /** Global cap on concurrent calls. @default 8 */
  concurrency?: number;
  /** Per-request timeout in ms. @default 30000 */
  timeoutMs?: number;
  clock: Clock;
  logger: Logger;
}

/** Paths pino should redact in any logger that might see client options or request headers. */
export const PVE_REDACT_PATHS: readonly string[] = [
  'tokenSecret',
  '*.tokenSecret',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'req.headers.authorization',
];

const API_PREFIX = '/api2/json';

export function createPveClient(opts: PveClientOptions): PveClient {
  // Checked here too (proxmox-api checks the same and also prints to the console): the messages
  // name the expected format, never the value.
  if (!/^[^@!\s]+@[^@!\s]+![^@!\s]+$/.test(opts.tokenId)) {
    throw new PxrError('CONFIG', 'invalid Proxmox API token id: expected USER@REALM!TOKENID', {
      context: { tokenId: opts.tokenId },
    });
  }
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(opts.tokenSecret)) {
    throw new PxrError('CONFIG', 'invalid Proxmox API token secret: expected a lower-case UUID', {
      context: { tokenId: opts.tokenId },
    });
  }
  const base = new URL(opts.url);
  const schema = base.protocol === 'http:' ? 'http' : 'https';
  const logger = opts.logger.child({ component: 'pve' });
  const dispatcher = createDispatcher({
    caFile: opts.caFile,
    fingerprint: opts.fingerprint,
    insecure: opts.insecure,
    connections: opts.concurrency ?? 8,
  });
  const transport = createTransport({ dispatcher, logger });
  let engine: ProxmoxEngine;
  try {
    engine = new ProxmoxEngine({
      host: base.hostname,
      port: base.port ? Number(base.port) : schema === 'https' ? 8006 : 80,
      schema,
      tokenID: opts.tokenId,
      tokenSecret: opts.tokenSecret,
      queryTimeout: opts.timeoutMs ?? 30_000,
      fetch: transport.fetch,
    });
  } catch (err) {
    // proxmox-api's messages here name the format, never the value; keep ours just as quiet.
    throw new PxrError('CONFIG', `invalid Proxmox API token: ${(err as Error).message}`, {
      context: { tokenId: opts.tokenId },
    });
  }
  const queue = new PQueue({ concurrency: opts.concurrency ?? 8 });

  async function call<T>(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    params?: Params,
    o: { route?: string; captureBody?: boolean } = {},
  ): Promise<{ data: T; body?: string | undefined }> {
    const route = o.route ?? routeTemplate(path);
    // The reconcile's signal (a timeout, pxr stopping): a call not yet sent is never sent, one in
    // flight is aborted, and the caller gets the signal's reason rather than a network error.
    const signal = ambientSignal();
    signal?.throwIfAborted();
    const scope: CallScope = {
      method,
      route,
      path,
      captureBody: o.captureBody === true,
      ...(signal ? { signal } : {}),
    };
    // proxmox-api deletes undefined keys from the object it is given: hand it a copy.
    const p = params ? { ...params } : undefined;
    try {
      const data = await queue.add(
        () =>
          transport.run(
            scope,
            () => engine.doRequest(method, API_PREFIX + path, route, p) as Promise<T>,
          ),
        signal ? { signal } : {},
      );
      return { data, body: scope.body };
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      if (scope.status !== undefined && scope.status !== 200) {
        throw translateFailure({
          method,
          route,
          path,
          status: scope.status,
          statusText: scope.statusText ?? '',
          body: scope.body,
          networkError: scope.networkError,
        });
      }
      // A 200 that proxmox-api could not read (wrong content type...): a protocol problem.
      throw new PveApiError(
        'PROTOCOL',
        `${method} ${path}: unexpected response: ${(err as Error).message}`,
        {
          status: scope.status ?? 0,
          method,
          route,
          path,
          pveMessage: (err as Error).message,
          paramErrors: {},
          retryable: false,
        },
        err,
      );
    }
  }

  const data = async <T>(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    route: string,
    values: Record<string, string | number>,
    params?: Params,
  ): Promise<T> => (await call<T>(method, apiPath(route, values), params, { route })).data;

  const client: PveClient = {
    version: () => data<PveVersion>('GET', '/version', {}),
    nodes: () => data<PveNode[]>('GET', '/nodes', {}),
    clusterResources: (type) =>
      data<PveResource[]>('GET', '/cluster/resources', {}, type ? { type } : undefined),
    nextId: async () => {
      const raw = await data<string | number>('GET', '/cluster/nextid', {});
      const n = typeof raw === 'number' ? raw : Number.parseInt(raw, 10);
      if (!Number.isInteger(n)) {
        throw new PxrError('PROTOCOL', `GET /cluster/nextid returned ${JSON.stringify(raw)}`);
      }
      return n;
    },
    listNetwork: async (node) => {
      const route = '/nodes/{node}/network';
      // `changes` is a top-level envelope key that proxmox-api drops: read it from the raw body.
      const r = await call<NetworkIface[]>('GET', apiPath(route, { node }), undefined, {
        route,
        captureBody: true,
      });
      const out: NetworkList = { ifaces: r.data ?? [] };
      if (r.body) {
        const env = JSON.parse(r.body) as { changes?: unknown };
        if (typeof env.changes === 'string' && env.changes !== '') out.changes = env.changes;
      }
      return out;
    },
    getNetwork: (node, iface) =>
      data<NetworkIface>('GET', '/nodes/{node}/network/{iface}', { node, iface }),
    createNetwork: async (node, iface, params) => {
      await data('POST', '/nodes/{node}/network', { node }, { ...params, iface });
    },
    updateNetwork: async (node, iface, params) => {
      await data('PUT', '/nodes/{node}/network/{iface}', { node, iface }, { ...params });
    },
    deleteNetwork: async (node, iface) => {
      await data('DELETE', '/nodes/{node}/network/{iface}', { node, iface });
    },
    applyNetwork: (node) => data<string>('PUT', '/nodes/{node}/network', { node }),
    revertNetwork: async (node) => {
      await data('DELETE', '/nodes/{node}/network', { node });
    },
    taskStatus: (node, upid) =>
      data<TaskStatus>('GET', '/nodes/{node}/tasks/{upid}/status', { node, upid }),
    listTasks: (node, o = {}) =>
      data<TaskListEntry[]>('GET', '/nodes/{node}/tasks', { node }, { ...o }),
    taskLog: (node, upid, o = {}) =>
      data<TaskLogLine[]>('GET', '/nodes/{node}/tasks/{upid}/log', { node, upid }, { ...o }),
    get: async <T>(path: string, params?: Params) => (await call<T>('GET', path, params)).data,
    post: async <T>(path: string, params?: Params) => (await call<T>('POST', path, params)).data,
    put: async <T>(path: string, params?: Params) => (await call<T>('PUT', path, params)).data,
    del: async <T>(path: string, params?: Params) => (await call<T>('DELETE', path, params)).data,
    calls: () => transport.stats(),
    onCall: (listener) => transport.onCall(listener),
    close: async () => {
      queue.clear();
      await dispatcher.close();
    },
  };
  return client;
}
