/**
 * A real local HTTP server standing in for a sink (Slack, Discord, ntfy, Alertmanager, a webhook):
 * records every request; can be told to fail or to answer like the service does.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { once } from 'node:events';

export interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export class Receiver {
  readonly requests: Received[] = [];
  /** Status to answer with (the services: Slack 200 `ok`, Discord 204, Alertmanager 200). */
  status = 200;
  private server: Server | undefined;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.requests.push({
          method: req.method ?? '',
          path: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        });
        res.statusCode = this.status;
        res.end(this.status === 204 ? undefined : this.status < 300 ? 'ok' : 'unavailable');
      });
    });
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    const a = this.server.address();
    if (a === null || typeof a === 'string') throw new Error('receiver has no port');
    this.url = `http://127.0.0.1:${a.port}`;
    return this;
  }

  json<T = unknown>(i: number): T {
    return JSON.parse(this.requests[i]?.body ?? 'null') as T;
  }

  async close(): Promise<void> {
    const s = this.server;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
}
