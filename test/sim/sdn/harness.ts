/**
 * One simulator over HTTP with the real pxr client, a fresh SDN config before each test, and raw
 * calls for checking exact wire answers (status line and body as Proxmox sends them).
 */
import { randomUUID } from 'node:crypto';
import { startSim, type StartedSim } from '../../helpers/sim.js';
import { createPveClient } from '../../../src/pve/client.js';
import { systemClock } from '../../../src/core/clock.js';
import type { PveClient } from '../../../src/pve/types.js';
import { emptySdn } from '../../../src/sim/sdn/state.js';
import pino from 'pino';

export interface Wire {
  status: number;
  statusText: string;
  body: { data?: unknown; errors?: Record<string, string>; message?: string };
}

export interface SdnHarness {
  s: StartedSim;
  pve: PveClient;
  wire(
    method: string,
    path: string,
    params?: Record<string, string | number | string[]>,
  ): Promise<Wire>;
  reset(): void;
  close(): Promise<void>;
}

export async function sdnHarness(opts: { sdnLock?: boolean } = {}): Promise<SdnHarness> {
  const s = await startSim({ taskTimeScale: 0.001, tokenSecret: randomUUID(), ...opts });
  const pve = createPveClient({
    url: s.url,
    tokenId: s.tokenId,
    tokenSecret: s.tokenSecret,
    clock: systemClock,
    logger: pino({ level: 'silent' }),
  });
  async function wire(
    method: string,
    path: string,
    params: Record<string, string | number | string[]> = {},
  ): Promise<Wire> {
    const qs = new URLSearchParams(
      Object.entries(params).flatMap(([k, v]): [string, string][] =>
        Array.isArray(v) ? v.map((x): [string, string] => [k, x]) : [[k, String(v)]],
      ),
    ).toString();
    const withBody = method === 'POST' || method === 'PUT';
    const res = await fetch(`${s.url}/api2/json${path}${!withBody && qs ? `?${qs}` : ''}`, {
      method,
      headers: {
        Authorization: s.authHeader,
        ...(withBody ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(withBody ? { body: qs } : {}),
    });
    return {
      status: res.status,
      statusText: res.statusText,
      body: (await res.json()) as Wire['body'],
    };
  }
  return {
    s,
    pve,
    wire,
    reset: () => {
      s.sim.state.sdn = emptySdn();
      // and no vnet bridges left up by an earlier test's apply
      for (const node of Object.values(s.sim.state.nodes)) {
        delete node.network.sdnUp;
        delete node.network.sdnVersion;
      }
    },
    close: async () => {
      await pve.close();
      await s.close();
    },
  };
}
