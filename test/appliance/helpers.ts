import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer, request } from 'node:http';
import type { Server } from 'node:http';
import { createServer as netServer } from 'node:net';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { curl } from '../../src/appliance/services/caddy-admin.js';
import { LocalTransport } from '../../src/appliance/transport/local.js';
import { waitFor } from '../helpers/wait.js';

/** A port nobody listens on right now (the OS picks it). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const s = netServer();
  s.listen(0, host);
  await once(s, 'listening');
  const addr = s.address();
  s.close();
  await once(s, 'close');
  if (addr === null || typeof addr === 'string') throw new Error('no port');
  return addr.port;
}

/** A tiny app: answers `<name> <method> <url> host=<Host>` on every path. */
export async function upstream(
  name: string,
  host: string,
  port = 0,
): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    res.end(`${name} ${req.method ?? ''} ${req.url ?? ''} host=${req.headers.host ?? ''}`);
  });
  server.listen(port, host);
  await once(server, 'listening');
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('no port');
  return { server, port: addr.port };
}

/** GET with an explicit Host header (fetch will not send one). */
export function getWithHost(url: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { host }, timeout: 5000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
      );
    });
    req.on('timeout', () => req.destroy(new Error(`timeout ${url}`)));
    req.on('error', reject);
    req.end();
  });
}

/** Stops a child we started and waits (bounded) for it to be gone. */
export async function stopChild(child: ChildProcess | undefined, timeoutMs = 5000): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(t);
}

/** Starts `caddy run` with only an admin endpoint, its state kept in `dir`. */
export function startCaddy(configFile: string, dir: string): ChildProcess {
  return spawn('caddy', ['run', '--config', configFile], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir },
  });
}

/** `caddy run` with only an admin endpoint at `adminListen`, once that answers (bounded wait). */
export async function startCaddyAdmin(dir: string, adminListen: string): Promise<ChildProcess> {
  const init = join(dir, 'init.json');
  await writeFile(init, JSON.stringify({ admin: { listen: adminListen } }));
  const caddy = startCaddy(init, dir);
  let stderr = '';
  caddy.stderr?.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-4000)));
  const t = new LocalTransport();
  await waitFor(
    'caddy admin API to answer',
    async () => {
      if (caddy.exitCode !== null) throw new Error(`caddy exited: ${stderr}`);
      return (
        (await curl(t, { method: 'GET', url: `http://${adminListen}/config/` })).status === 200
      );
    },
    20_000,
  );
  return caddy;
}
