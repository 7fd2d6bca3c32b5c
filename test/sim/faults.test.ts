import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/core/clock.js';
import { createSimulator } from '../../src/sim/simulator.js';
import { rawRequest, startSim } from '../helpers/sim.js';
import type { StartedSim } from '../helpers/sim.js';
import { waitFor } from '../helpers/wait.js';

async function control(
  s: StartedSim,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: unknown }> {
  const text = body === undefined ? undefined : JSON.stringify(body);
  const r = await rawRequest(`${s.url}${path}`, {
    method,
    headers:
      text === undefined
        ? {}
        : { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)) },
    ...(text === undefined ? {} : { body: text }),
  });
  return { status: r.status, json: JSON.parse(r.body) as unknown };
}

async function get(s: StartedSim, path: string): ReturnType<typeof rawRequest> {
  return rawRequest(`${s.url}/api2/json${path}`, { headers: { Authorization: s.authHeader } });
}

void describe('fault injection and control', () => {
  let s: StartedSim;
  const clock = new ManualClock();
  before(async () => {
    s = await startSim({ clock });
  });
  after(() => s.close());

  void test('a latency rule holds matching requests for its duration on the sim clock', async () => {
    s.sim.faults.addLatency({ method: 'GET', route: '/version', ms: 800 });
    let done = false;
    const p = get(s, '/version').then((r) => {
      done = true;
      return r;
    });
    await waitFor('the request parked on the sim clock', () => clock.pending() > 0, 20_000, 0);
    clock.advance(799);
    await new Promise((r) => setImmediate(r));
    assert.equal(done, false);
    clock.advance(1);
    assert.equal((await p).status, 200);
    // Other routes are not delayed.
    assert.equal((await get(s, '/nodes')).status, 200);
    s.sim.faults.clear();
  });

  void test('an error rule with a count fails that many matching requests, then disappears', async () => {
    const added = await control(s, 'POST', '/_sim/faults/error', {
      route: '/cluster/resources',
      status: 500,
      message: 'cfs-lock timeout',
      count: 2,
    });
    assert.equal(added.status, 200);
    for (let i = 0; i < 2; i++) {
      const r = await get(s, '/cluster/resources');
      assert.equal(r.status, 500);
      assert.equal(r.reason, 'cfs-lock timeout');
      assert.deepEqual(JSON.parse(r.body), { data: null, message: 'cfs-lock timeout\n' });
    }
    assert.equal((await get(s, '/cluster/resources')).status, 200);
  });

  void test('probabilistic error rules are reproducible with the same seed', async () => {
    const pattern = (seed: number): boolean[] => {
      const sim = createSimulator({ seed });
      sim.faults.addError({ status: 503, message: 'x', probability: 0.5 });
      return Array.from({ length: 32 }, () => sim.faults.errorFor('GET', '/version') !== undefined);
    };
    assert.deepEqual(pattern(7), pattern(7));
    assert.notDeepEqual(pattern(7), pattern(8));
    const hits = pattern(7).filter(Boolean).length;
    assert.ok(hits > 4 && hits < 28, `about half should fire, got ${hits}`);
  });

  void test('an unreachable node answers 595 with no body and no content type', async () => {
    const set = await control(s, 'POST', '/_sim/nodes/pve/unreachable', { unreachable: true });
    assert.equal(set.status, 200);
    const r = await get(s, '/nodes/pve/status');
    assert.equal(r.status, 595);
    assert.equal(r.body, '');
    assert.equal(r.headers['content-type'], undefined);
    // Cluster-wide reads still answer.
    assert.equal((await get(s, '/cluster/resources')).status, 200);
    await control(s, 'POST', '/_sim/nodes/pve/unreachable', { unreachable: false });
    assert.equal((await get(s, '/nodes/pve/status')).status, 200);
  });

  void test('the lock contention predicate reflects the control endpoint', async () => {
    assert.equal(s.sim.context.faults.lockContention(100), false);
    await control(s, 'POST', '/_sim/faults/lock', { vmid: 100, on: true });
    assert.equal(s.sim.context.faults.lockContention(100), true);
    assert.equal(s.sim.context.faults.lockContention('100'), true);
    assert.equal(s.sim.context.faults.lockContention(101), false);
    await control(s, 'DELETE', '/_sim/faults');
    assert.equal(s.sim.context.faults.lockContention(100), false);
  });

  void test('the request log counts calls by method and route template', async () => {
    s.sim.requests.clear();
    await get(s, '/nodes/pve/storage');
    await get(s, '/nodes/pve/storage');
    await get(s, '/version');
    assert.equal(s.sim.requests.count({ method: 'GET', route: '/nodes/{node}/storage' }), 2);
    assert.equal(s.sim.requests.count({ route: '/version' }), 1);
    assert.equal(s.sim.requests.count(), 3);
    const over = await control(s, 'GET', '/_sim/requests?route=/version');
    assert.equal((over.json as { count: number }).count, 1);
    s.sim.requests.clear();
    assert.equal(s.sim.requests.count(), 0);
  });

  void test('the request log never stores passwords', async () => {
    s.sim.requests.clear();
    const body = 'username=root@pam&password=hunter2';
    await rawRequest(`${s.url}/api2/json/access/ticket`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        'Content-Length': String(body.length),
      },
      body,
    });
    const [entry] = s.sim.requests.list({ route: '/access/ticket' });
    assert.ok(entry);
    assert.ok(!JSON.stringify(entry).includes('hunter2'));
  });

  void test('snapshot, restore and reset of the state through /_sim/state', async () => {
    const snap = (await control(s, 'GET', '/_sim/state')).json as {
      nextId: { lower: number };
    };
    s.sim.state.nextId.lower = 5000;
    assert.equal((await get(s, '/cluster/nextid')).body, '{"data":"5000"}');
    await control(s, 'POST', '/_sim/state', snap);
    assert.equal((await get(s, '/cluster/nextid')).body, '{"data":"100"}');
    s.sim.state.nextId.lower = 777;
    await control(s, 'POST', '/_sim/reset');
    assert.equal((await get(s, '/cluster/nextid')).body, '{"data":"100"}');
  });

  void test('unknown control paths answer 404 JSON', async () => {
    const r = await control(s, 'GET', '/_sim/nope');
    assert.equal(r.status, 404);
  });
});
