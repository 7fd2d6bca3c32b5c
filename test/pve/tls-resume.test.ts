import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { connect, type TLSSocket } from 'node:tls';
import type { Server as HttpsServer } from 'node:https';
import pino from 'pino';
import { createPveClient } from '../../src/pve/client.js';
import { ManualClock } from '../../src/core/clock.js';
import { createSimulator, type Simulator } from '../../src/sim/simulator.js';

/** The certificate fingerprint as a client sees it on a full handshake (what `pvenode cert info` prints). */
async function peerFingerprint(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s: TLSSocket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      const fp = s.getPeerX509Certificate()?.fingerprint256;
      s.destroy();
      if (fp) resolve(fp);
      else reject(new Error('no peer certificate on a fresh handshake'));
    });
    s.once('error', reject);
  });
}

describe('fingerprint pin against `pxr sim --tls` over many connections', () => {
  let sim: Simulator;
  let url: string;
  let pin: string;
  const handshakes = { full: 0, resumed: 0 };
  const clock = new ManualClock();
  const logger = pino({ level: 'silent' });

  before(async () => {
    sim = createSimulator({ tokenSecret: randomUUID(), tls: 'node' });
    url = await sim.start();
    // The simulator is used as is; its server is only observed and told (through the standard
    // `Keep-Alive: timeout=1` hint, which undici honours by closing after each response) to let
    // every call open a new connection, as happens over a long run when idle sockets expire.
    const server = (sim as unknown as { server: HttpsServer }).server;
    server.keepAliveTimeout = 1000;
    server.on('secureConnection', (s: TLSSocket) => {
      if (s.isSessionReused()) handshakes.resumed++;
      else handshakes.full++;
    });
    pin = await peerFingerprint(sim.port);
    handshakes.full = 0;
  });
  after(() => sim.stop());

  test('20 sequential calls, each on a new connection, all pass the pin', async () => {
    const c = createPveClient({
      url,
      tokenId: sim.tokenId,
      tokenSecret: sim.tokenSecret,
      fingerprint: pin,
      clock,
      logger,
    });
    try {
      for (let i = 0; i < 20; i++) {
        const v = await c.version().catch((err: unknown) => {
          throw new Error(`call ${i + 1} of 20 failed: ${String(err)}`, { cause: err });
        });
        assert.equal(v.release, '9.1');
      }
    } finally {
      await c.close();
    }
    // Every call really was a new connection, and none skipped the certificate check by resuming.
    assert.deepEqual(handshakes, { full: 20, resumed: 0 });
  });
});
