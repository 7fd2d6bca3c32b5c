import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import type { Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApplianceDesired } from '../../src/appliance/desired.js';
import { CaddyService } from '../../src/appliance/services/caddy.js';
import { curl } from '../../src/appliance/services/caddy-admin.js';
import { LocalTransport } from '../../src/appliance/transport/local.js';
import { isTerminal } from '../../src/core/errors.js';
import { lab, skipWithout } from './fixtures.js';
import { freePort, getWithHost, startCaddyAdmin, stopChild, upstream } from './helpers.js';

// Loopback only: the "LAN" is 127.0.0.0/8, so the app can listen on its own address 127.0.0.10.
const APP_IP = '127.0.0.10';

describe('Caddy service against a real caddy', { skip: skipWithout('caddy', 'curl') }, () => {
  let dir = '';
  let caddy: ChildProcess | undefined;
  let app: { server: Server; port: number } | undefined;
  let adminListen = '';
  let httpPort = 0;
  const t = new LocalTransport();
  let svc: CaddyService;

  const desired = (extra: ApplianceDesired['hosts'] = []): ApplianceDesired =>
    lab({
      lan: { iface: 'lo', cidr: '127.0.0.1/8' },
      dhcp: { range: ['127.0.1.100', '127.0.1.200'], leaseTime: '1h' },
      proxy: { httpPort },
      hosts: [
        {
          hostname: 'web',
          mac: 'bc:24:11:00:00:01',
          ip: APP_IP,
          expose: [
            { host: 'web.example.test', port: app?.port ?? 0 },
            { host: 'web.example.test', port: app?.port ?? 0, pathPrefix: '/api' },
          ],
        },
        ...extra,
      ],
    });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pxr-caddy-'));
    app = await upstream('web', APP_IP);
    httpPort = await freePort();
    adminListen = `127.0.0.1:${await freePort()}`;
    caddy = await startCaddyAdmin(dir, adminListen);
    svc = new CaddyService({ transport: t, layout: { adminListen, bindHost: '127.0.0.1' } });
  });

  after(async () => {
    await stopChild(caddy);
    app?.server.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('apply loads every route; a request with the app host name reaches the app', async () => {
    const r = await svc.apply(desired());
    assert.deepEqual(r.actions, ['POST /load']);
    assert.ok(r.drift.length > 0, 'a fresh caddy differs from desired');
    assert.deepEqual(r.remaining, []);
    assert.deepEqual(r.warnings, []);
    const root = await getWithHost(`http://127.0.0.1:${httpPort}/hello`, 'web.example.test');
    assert.equal(root.status, 200);
    assert.equal(root.body, 'web GET /hello host=web.example.test');
    const api = await getWithHost(`http://127.0.0.1:${httpPort}/api/x`, 'web.example.test');
    assert.equal(api.body, 'web GET /api/x host=web.example.test');
    // The default site answers unknown hosts only when one is set; here none is → 404.
    assert.equal((await getWithHost(`http://127.0.0.1:${httpPort}/`, 'other.test')).status, 404);
  });

  test('a second apply with nothing changed reads back equal and does nothing', async () => {
    const r = await svc.apply(desired());
    assert.deepEqual(r.drift, []);
    assert.deepEqual(r.actions, []);
    assert.deepEqual(r.remaining, []);
  });

  test('a route deleted through the admin API is reported as drift and restored by apply', async () => {
    const del = await curl(t, {
      method: 'DELETE',
      url: `http://${adminListen}/id/pxr-web.example.test-api`,
    });
    assert.equal(del.status, 200);
    const drift = svc.diff(desired(), await svc.observe());
    assert.deepEqual(
      drift.map((d) => [d.field, d.actual]),
      [['caddy.apps.http.servers.pxr.routes[pxr-web.example.test-api]', undefined]],
    );
    assert.match(drift[0]?.desired ?? '', /"dial":"127\.0\.0\.10:\d+"/);
    const r = await svc.apply(desired());
    assert.deepEqual(r.drift, drift);
    assert.deepEqual(r.actions, ['POST /load']);
    assert.deepEqual(r.remaining, []);
    assert.equal(
      (await getWithHost(`http://127.0.0.1:${httpPort}/api/y`, 'web.example.test')).body,
      'web GET /api/y host=web.example.test',
    );
  });

  test('a route whose app does not answer is a RouteNotAnswering warning, not a failure', async () => {
    const dead = await freePort(APP_IP);
    const r = await svc.apply(
      desired([
        {
          hostname: 'gone',
          mac: 'bc:24:11:00:00:03',
          ip: '127.0.0.11',
          expose: [{ host: 'gone.example.test', port: dead }],
        },
      ]),
    );
    assert.deepEqual(r.remaining, []);
    assert.deepEqual(
      r.warnings.map((w) => w.reason),
      ['RouteNotAnswering'],
    );
    assert.match(
      r.warnings[0]?.message ?? '',
      /^gone\.example\.test\/ → 127\.0\.0\.11:\d+: HTTP 502$/,
    );
  });

  test('a config Caddy refuses (HTTP port taken) is ConfigRejected and the running config is kept', async () => {
    await svc.apply(desired());
    const before = await svc.observe();
    const squatter = await upstream('squatter', '127.0.0.1');
    try {
      const taken = desired();
      taken.proxy.httpPort = squatter.port;
      await assert.rejects(svc.apply(taken), (err) => {
        assert.ok(isTerminal(err));
        assert.equal(err.reason, 'ConfigRejected');
        assert.match(err.message, /address already in use/);
        return true;
      });
    } finally {
      squatter.server.close();
    }
    assert.deepEqual(await svc.observe(), before);
  });
});
