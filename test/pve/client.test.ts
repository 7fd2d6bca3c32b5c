/**
 * The adapter against the simulator over real HTTP, with the real proxmox-api underneath.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Writable } from 'node:stream';
import pino from 'pino';
import { startSim, type StartedSim } from '../helpers/sim.js';
import { createPveClient, PVE_REDACT_PATHS } from '../../src/pve/client.js';
import { isPveApiError, PveTaskError } from '../../src/pve/errors.js';
import { parseUpid } from '../../src/pve/upid.js';
import { ManualClock, systemClock } from '../../src/core/clock.js';
import type { PveClient } from '../../src/pve/types.js';
import { waitTask } from '../helpers/wait-task.js';
import { waitFor } from '../helpers/wait.js';

function captureLogger(): { logger: pino.Logger; text: () => string } {
  let buf = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb): void {
      buf += chunk.toString();
      cb();
    },
  });
  const logger = pino({ level: 'trace', redact: [...PVE_REDACT_PATHS] }, stream);
  return { logger, text: () => buf };
}

describe('Proxmox client against the simulator', () => {
  let s: StartedSim;
  let pve: PveClient;
  const log = captureLogger();

  before(async () => {
    s = await startSim({ taskTimeScale: 0.001 });
    pve = createPveClient({
      url: s.url,
      tokenId: s.tokenId,
      tokenSecret: s.tokenSecret,
      clock: systemClock,
      logger: log.logger,
    });
  });
  after(async () => {
    await pve.close();
    await s.close();
  });

  test('reads version, nodes, resources, and nextid as a number (the wire sends a string)', async () => {
    assert.match((await pve.version()).version, /^\d+\.\d+/);
    assert.deepEqual(
      (await pve.nodes()).map((n) => n.node),
      ['pve'],
    );
    assert.ok((await pve.clusterResources('node')).some((r) => r.id === 'node/pve'));
    const id = await pve.nextId();
    assert.equal(typeof id, 'number');
    assert.ok(id >= 100);
  });

  test('stages a bridge, exposes the pending diff in `changes`, and applies it with a task', async () => {
    const before = await pve.listNetwork('pve');
    assert.equal(before.changes, undefined);
    assert.ok(before.ifaces.some((i) => i.iface === 'vmbr0'));
    assert.ok(!before.ifaces.some((i) => i.iface === 'lo'));

    await pve.createNetwork('pve', 'vmbr7', { type: 'bridge', bridge_ports: 'eno3', autostart: 1 });
    const staged = await pve.listNetwork('pve');
    assert.match(staged.changes ?? '', /\+iface vmbr7/);
    assert.equal(staged.ifaces.find((i) => i.iface === 'vmbr7')?.bridge_ports, 'eno3');

    const upid = await pve.applyNetwork('pve');
    assert.equal(parseUpid(upid)?.type, 'srvreload');
    assert.equal(parseUpid(upid)?.id, 'networking');
    assert.equal(await waitTask(pve, 'pve', upid, { pollMs: 5 }), 'OK');
    assert.equal((await pve.listNetwork('pve')).changes, undefined);
    const logLines = await pve.taskLog('pve', upid);
    assert.equal(logLines.at(-1)?.t, 'TASK OK');
  });

  test('reverting discards staged changes', async () => {
    await pve.updateNetwork('pve', 'vmbr7', {
      type: 'bridge',
      bridge_ports: 'eno3',
      comments: 'x',
    });
    assert.ok((await pve.listNetwork('pve')).changes);
    await pve.revertNetwork('pve');
    const after = await pve.listNetwork('pve');
    assert.equal(after.changes, undefined);
    assert.equal(after.ifaces.find((i) => i.iface === 'vmbr7')?.comments, undefined);
  });

  test('a duplicate interface is a PARAM error with the exact Proxmox texts', async () => {
    await assert.rejects(pve.createNetwork('pve', 'vmbr0', { type: 'bridge' }), (err) => {
      assert.ok(isPveApiError(err, 'PARAM'), String(err));
      assert.equal(err.status, 400);
      assert.equal(err.pveMessage, 'Parameter verification failed.');
      assert.deepEqual(err.paramErrors, { iface: 'interface already exists' });
      assert.equal(err.retryable, false);
      assert.equal(err.method, 'POST');
      assert.equal(err.route, '/nodes/{node}/network');
      assert.equal(err.path, '/nodes/pve/network');
      return true;
    });
  });

  test('updating a missing interface is NOT_FOUND', async () => {
    await assert.rejects(pve.updateNetwork('pve', 'vmbr99', { type: 'bridge' }), (err) => {
      assert.ok(isPveApiError(err, 'NOT_FOUND'), String(err));
      assert.deepEqual(err.paramErrors, { iface: 'interface does not exist' });
      assert.equal(err.route, '/nodes/{node}/network/{iface}');
      return true;
    });
  });

  test('an unknown node is NOT_FOUND with the hostname lookup message', async () => {
    await assert.rejects(pve.listNetwork('nope'), (err) => {
      assert.ok(isPveApiError(err, 'NOT_FOUND'), String(err));
      assert.equal(err.status, 500);
      assert.match(err.pveMessage, /^hostname lookup 'nope' failed/);
      return true;
    });
  });

  test('an unreachable node answers 595 and is a retryable UNREACHABLE error', async () => {
    s.sim.setNodeUnreachable('pve', true);
    try {
      await assert.rejects(pve.listNetwork('pve'), (err) => {
        assert.ok(isPveApiError(err, 'UNREACHABLE'), String(err));
        assert.equal(err.status, 595);
        assert.equal(err.retryable, true);
        return true;
      });
    } finally {
      s.sim.setNodeUnreachable('pve', false);
    }
  });

  test('a failed task throws PveTaskError with its exitstatus', async () => {
    s.sim.faults.addTaskFailure({ type: 'srvreload', message: 'ifreload -a failed', count: 1 });
    await pve.updateNetwork('pve', 'vmbr7', {
      type: 'bridge',
      bridge_ports: 'eno3',
      comments: 'y',
    });
    const upid = await pve.applyNetwork('pve');
    await assert.rejects(waitTask(pve, 'pve', upid, { pollMs: 5 }), (err) => {
      assert.ok(err instanceof PveTaskError);
      assert.equal(err.exitstatus, 'ifreload -a failed');
      assert.equal(err.upid, upid);
      return true;
    });
    await pve.revertNetwork('pve').catch(() => undefined);
  });

  test('a generic call error is translated and counted under its route template (digest mismatch)', async () => {
    s.sim.faults.addError({
      method: 'PUT',
      route: '/nodes/{node}/lxc/{vmid}/config',
      status: 500,
      message: 'detected modified configuration - file changed by other user? Try again.',
      count: 1,
    });
    await assert.rejects(
      pve.put('/nodes/pve/lxc/100/config', { memory: 1024, digest: 'abc' }),
      (err) => {
        assert.ok(isPveApiError(err, 'DIGEST_MISMATCH'), String(err));
        assert.equal(err.retryable, true);
        assert.equal(err.route, '/nodes/{node}/lxc/{vmid}/config');
        assert.equal(
          err.pveMessage,
          'detected modified configuration - file changed by other user? Try again.',
        );
        return true;
      },
    );
    assert.equal(pve.calls()['PUT /nodes/{node}/lxc/{vmid}/config']?.errors, 1);
  });

  test('calls are counted per route template', async () => {
    const before = pve.calls()['GET /nodes/{node}/network']?.count ?? 0;
    await pve.listNetwork('pve');
    await pve.listNetwork('pve');
    const st = pve.calls()['GET /nodes/{node}/network'];
    assert.equal(st?.count, before + 2);
    assert.ok((st?.totalMs ?? -1) >= 0);
    assert.ok(pve.calls()['POST /nodes/{node}/network']!.errors >= 1);
  });

  test('the token secret never appears in errors or logs, even for a bad token', async () => {
    const wrongSecret = '11111111-2222-4333-8444-555555555555';
    const bad = createPveClient({
      url: s.url,
      tokenId: s.tokenId,
      tokenSecret: wrongSecret,
      clock: systemClock,
      logger: log.logger,
    });
    const errors: unknown[] = [];
    await bad.version().catch((e: unknown) => errors.push(e));
    await pve
      .createNetwork('pve', 'vmbr0', { type: 'bridge' })
      .catch((e: unknown) => errors.push(e));
    await bad.close();
    assert.equal(errors.length, 2);
    assert.ok(isPveApiError(errors[0], 'AUTH'), String(errors[0]));
    assert.equal((errors[0] as { status: number }).status, 401);
    log.logger.info({ tokenSecret: s.tokenSecret, headers: { authorization: s.authHeader } }, 'x');
    const everything = [
      log.text(),
      ...errors.map((e) => {
        const err = e as Error & { context: unknown };
        return `${err.message}\n${err.stack}\n${JSON.stringify(err.context)}\n${String(err.cause)}`;
      }),
    ].join('\n');
    assert.ok(log.text().length > 0);
    for (const secret of [s.tokenSecret, wrongSecret]) assert.ok(!everything.includes(secret));
  });
});

describe('Proxmox client transport', () => {
  test('a malformed token is a CONFIG error that does not echo the secret', () => {
    const secret = 'NOT-A-UUID-but-secret';
    assert.throws(
      () =>
        createPveClient({
          url: 'http://127.0.0.1:1',
          tokenId: 'root@pam!pxr',
          tokenSecret: secret,
          clock: systemClock,
          logger: pino({ level: 'silent' }),
        }),
      (err: Error & { code?: string }) =>
        err.code === 'CONFIG' &&
        !err.message.includes(secret) &&
        /lower-case UUID/.test(err.message),
    );
  });

  test('a refused connection is a 595, counted once: a POST is never replayed', async () => {
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as { port: number }).port;
    await new Promise<void>((r) => srv.close(() => r()));
    const pve = createPveClient({
      url: `http://127.0.0.1:${port}`,
      tokenId: 'root@pam!pxr',
      tokenSecret: '0b6a4f1e-5d7c-4e2b-9a3f-1c2d3e4f5a6b',
      clock: systemClock,
      logger: pino({ level: 'silent' }),
    });
    await assert.rejects(pve.createNetwork('pve', 'vmbr5', { type: 'bridge' }), (err) => {
      assert.ok(isPveApiError(err, 'UNREACHABLE'), String(err));
      assert.equal(err.status, 595);
      assert.equal(err.pveMessage, 'Connection refused');
      return true;
    });
    assert.equal(pve.calls()['POST /nodes/{node}/network']?.count, 1);
    await pve.close();
  });

  test('a request that outlives timeoutMs is a 595 timeout, not retried', async () => {
    const held: ServerResponse[] = [];
    const srv = createServer((_req: IncomingMessage, res: ServerResponse) => {
      held.push(res);
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as { port: number }).port;
    const pve = createPveClient({
      url: `http://127.0.0.1:${port}`,
      tokenId: 'root@pam!pxr',
      tokenSecret: '0b6a4f1e-5d7c-4e2b-9a3f-1c2d3e4f5a6b',
      timeoutMs: 50,
      clock: systemClock,
      logger: pino({ level: 'silent' }),
    });
    await assert.rejects(pve.applyNetwork('pve'), (err) => {
      assert.ok(isPveApiError(err, 'UNREACHABLE'), String(err));
      assert.equal(err.status, 595);
      assert.equal(err.pveMessage, 'Connection timed out');
      return true;
    });
    assert.equal(held.length, 1, 'the PUT reached the server once and was not replayed');
    await pve.close();
    srv.closeAllConnections();
    await new Promise<void>((r) => srv.close(() => r()));
  });

  test('the concurrency cap bounds requests in flight', async () => {
    const held: ServerResponse[] = [];
    let maxInFlight = 0;
    const srv = createServer((_req: IncomingMessage, res: ServerResponse) => {
      held.push(res);
      maxInFlight = Math.max(maxInFlight, held.length);
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as { port: number }).port;
    const pve = createPveClient({
      url: `http://127.0.0.1:${port}`,
      tokenId: 'root@pam!pxr',
      tokenSecret: '0b6a4f1e-5d7c-4e2b-9a3f-1c2d3e4f5a6b',
      concurrency: 3,
      clock: systemClock,
      logger: pino({ level: 'silent' }),
    });
    const calls = Array.from({ length: 10 }, () => pve.version());
    let answered = 0;
    while (answered < 10) {
      const expected = Math.min(3, 10 - answered);
      await waitFor('all requests held', () => held.length === expected, 20_000, 0);
      // Give any request beyond the cap every chance to show up before checking.
      for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
      assert.equal(held.length, expected);
      const res = held.shift()!;
      res.writeHead(200, { 'Content-Type': 'application/json;charset=UTF-8' });
      res.end('{"data":{"version":"9.1.3","release":"9.1","repoid":"x"}}');
      answered++;
    }
    await Promise.all(calls);
    assert.equal(maxInFlight, 3);
    await pve.close();
    srv.closeAllConnections();
    await new Promise<void>((r) => srv.close(() => r()));
  });

  test('waitTask sleeps on the injected clock between polls', async () => {
    const clock = new ManualClock();
    const s = await startSim({ clock, taskTimeScale: 1 });
    const pve = createPveClient({
      url: s.url,
      tokenId: s.tokenId,
      tokenSecret: s.tokenSecret,
      clock,
      logger: pino({ level: 'silent' }),
    });
    try {
      await pve.createNetwork('pve', 'vmbr6', { type: 'bridge' });
      const upid = await pve.applyNetwork('pve');
      let result: string | undefined;
      const waiting = waitTask(pve, 'pve', upid, { clock, pollMs: 1000 }).then((r) => (result = r));
      const polls = (): number => pve.calls()['GET /nodes/{node}/tasks/{upid}/status']?.count ?? 0;
      await waitFor('the first status poll', () => polls() === 1, 20_000, 0);
      // Nothing happens until the clock moves: no real timer is involved.
      assert.equal(result, undefined);
      for (let i = 0; i < 120 && result === undefined; i++) {
        const n = polls();
        clock.advance(1000);
        await waitFor('the next status poll', () => polls() > n || result !== undefined, 20_000, 0);
      }
      await waiting;
      assert.equal(result, 'OK');
      assert.ok(polls() >= 2);
    } finally {
      await pve.close();
      await s.close();
    }
  });
});
