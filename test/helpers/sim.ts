/**
 * Starts an in-process simulator on a free port and a real proxmox-api client pointed at it.
 *
 *   const { sim, api, close } = await startSim({ taskTimeScale: 0.001 });
 *   after(close);
 *   await api.nodes.$('pve').lxc.$get();
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import proxmoxApi from 'proxmox-api';
import type { Proxmox } from 'proxmox-api';
import pino from 'pino';
import type { Clock } from '../../src/core/clock.js';
import { createPveClient } from '../../src/pve/client.js';
import type { PveClient } from '../../src/pve/types.js';
import { createSimulator } from '../../src/sim/simulator.js';
import type { Simulator, SimulatorOptions } from '../../src/sim/simulator.js';

export interface StartedSim {
  sim: Simulator;
  /** Base URL, e.g. `http://127.0.0.1:41234` (the API is under `/api2/json`). */
  url: string;
  port: number;
  /** `root@pam!pxr` */
  tokenId: string;
  /** A lowercase UUID. */
  tokenSecret: string;
  /** `PVEAPIToken=root@pam!pxr=<secret>`, for raw `fetch` calls. */
  authHeader: string;
  api: Proxmox.Api;
  close(): Promise<void>;
}

export async function startSim(opts: Partial<SimulatorOptions> = {}): Promise<StartedSim> {
  const sim = createSimulator({ tokenSecret: randomUUID(), ...opts, tls: undefined });
  const url = await sim.start();
  const port = sim.port;
  const api = proxmoxApi({
    host: '127.0.0.1',
    port,
    schema: 'http',
    tokenID: sim.tokenId,
    tokenSecret: sim.tokenSecret,
  });
  return {
    sim,
    url,
    port,
    tokenId: sim.tokenId,
    tokenSecret: sim.tokenSecret,
    authHeader: `PVEAPIToken=${sim.tokenId}=${sim.tokenSecret}`,
    api,
    close: () => sim.stop(),
  };
}

/** pxr's own Proxmox client (silent) on the simulator, on `clock`. */
export function simPveClient(s: StartedSim, clock: Clock): PveClient {
  return createPveClient({
    url: s.url,
    tokenId: s.tokenId,
    tokenSecret: s.tokenSecret,
    clock,
    logger: pino({ level: 'silent' }),
  });
}

export interface RawResponse {
  status: number;
  /** The reason phrase of the status line. */
  reason: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * One HTTP request with nothing added (fetch adds headers and refuses bodies on GET): for checks of
 * the exact wire format.
 */
export function rawRequest(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    // The path is sent as given (no `..` normalisation, as `new URL` would do).
    const m = /^http:\/\/([^/:]+):(\d+)(.*)$/.exec(url);
    if (!m) throw new Error(`rawRequest needs an http://host:port/... URL, got ${url}`);
    const target = { host: m[1], port: Number(m[2]), path: m[3] || '/' };
    const req = httpRequest(
      { ...target, method: opts.method ?? 'GET', headers: opts.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            reason: res.statusMessage ?? '',
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

/** What a failed proxmox-api call carried: status, reason phrase, message and per-field errors. */
export interface PveFailure {
  status: number;
  reason: string;
  message: string;
  errors?: Record<string, string>;
}

/**
 * Awaits a proxmox-api call that must fail and returns what Proxmox answered. The client only throws
 * `... return Error <status> <reason>: <body>`, so the body is parsed back out of that message.
 */
export async function pveError(call: Promise<unknown>): Promise<PveFailure> {
  try {
    await call;
  } catch (e) {
    const m = /return Error (\d+) (.*?): (\{"data".*\})$/s.exec((e as Error).message);
    if (!m?.[1] || m[2] === undefined || !m[3]) throw e;
    const { data, ...body } = JSON.parse(m[3]) as {
      data: unknown;
      message: string;
      errors?: Record<string, string>;
    };
    assert.equal(data, null);
    return { status: Number(m[1]), reason: m[2], ...body };
  }
  assert.fail('expected the call to fail');
}
