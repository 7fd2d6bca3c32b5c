/** The controller's own HTTP endpoints: `/healthz`, `/readyz`, `/metrics`. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { PxrError } from '../core/errors.js';

export interface HttpProbe {
  /** The process is alive and its loops are running. */
  healthy(): boolean;
  /** The first snapshot was ingested and the first sweep finished: reality has been observed. */
  ready(): { ready: boolean; reason?: string };
  /** Prometheus text exposition (format 0.0.4). */
  metrics(): Promise<string> | string;
}

export async function startHttpServer(
  listen: { host: string; port: number },
  probe: HttpProbe,
): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => void answer(req, res));
  const answer = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (status: number, body: string, type = 'text/plain; charset=utf-8'): void => {
      res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed\n');
    try {
      if (path === '/healthz')
        return probe.healthy() ? send(200, 'ok\n') : send(503, 'unhealthy\n');
      if (path === '/readyz') {
        const r = probe.ready();
        return r.ready ? send(200, 'ok\n') : send(503, `not ready: ${r.reason ?? 'starting'}\n`);
      }
      if (path === '/metrics')
        return send(200, await probe.metrics(), 'text/plain; version=0.0.4; charset=utf-8');
      return send(404, 'not found\n');
    } catch (err) {
      return send(500, `error: ${(err as Error).message}\n`);
    }
  };
  // Scrapers and probes reuse connections: keep idle ones longer than clients do (undici: 4 s), so
  // the server never closes a connection at the moment a client sends on it.
  server.keepAliveTimeout = 30_000;
  server.headersTimeout = 31_000;
  const host = listen.host.includes(':') ? `[${listen.host}]` : listen.host;
  await new Promise<void>((resolve, reject) => {
    // A taken or unassignable address (another pxr on the host) is a located, one-line error.
    const fail = (err: NodeJS.ErrnoException): void =>
      reject(
        new PxrError(
          'LISTEN_FAILED',
          `cannot listen on ${host}:${listen.port}: ${err.code ?? err.message} (--listen)`,
          { cause: err, context: { listen } },
        ),
      );
    server.once('error', fail);
    server.listen(listen.port, listen.host, () => {
      server.off('error', fail);
      resolve();
    });
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : listen.port;
  return {
    server,
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
