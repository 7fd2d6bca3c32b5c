import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/core/clock.js';
import type { EndpointDef, RequestContext } from '../../src/sim/types.js';
import { formatUpid, parseUpid } from '../../src/sim/tasks.js';
import { rawRequest, startSim } from '../helpers/sim.js';
import type { StartedSim } from '../helpers/sim.js';

/** Starts a task whose outcome the caller chooses; `cleanup` records the finally() calls. */
const cleanups: boolean[] = [];
const taskEndpoint: EndpointDef = {
  method: 'POST',
  path: '/nodes/{node}/test-task',
  params: {
    node: { type: 'string', format: 'pve-node' },
    outcome: { type: 'string', enum: ['ok', 'warn', 'fail'] },
    id: { type: 'string', optional: true },
  },
  handler: ({ sim, params, caller }: RequestContext): unknown =>
    sim.tasks.start({
      node: params.node as string,
      type: 'vzcreate',
      id: (params.id as string | undefined) ?? '100',
      caller,
      durationMs: 10_000,
      run: (log) => {
        log('extracting archive');
        if (params.outcome === 'fail') throw new Error('unable to create CT 100 - disk full\n');
        return params.outcome === 'warn' ? { warnings: 1 } : undefined;
      },
      finally: (ok) => {
        cleanups.push(ok);
      },
    }),
};

void describe('tasks (FACTS §6)', () => {
  let s: StartedSim;
  const clock = new ManualClock(Date.UTC(2026, 3, 1, 12, 0, 0));
  before(async () => {
    s = await startSim({ clock, extraEndpoints: [taskEndpoint], taskTimeScale: 0.5 });
  });
  after(() => s.close());

  async function startTask(outcome: string, id = '100'): Promise<string> {
    const body = `outcome=${outcome}&id=${id}`;
    const r = await rawRequest(`${s.url}/api2/json/nodes/pve/test-task`, {
      method: 'POST',
      headers: {
        Authorization: s.authHeader,
        'Content-Type': 'application/x-www-form-urlencoded',
        'Content-Length': String(body.length),
      },
      body,
    });
    assert.equal(r.status, 200, r.body);
    return (JSON.parse(r.body) as { data: string }).data;
  }

  void test('a UPID has Proxmox format with upper-case hex fields and the token user', async () => {
    const upid = await startTask('ok');
    assert.match(upid, /^UPID:pve:[0-9A-F]{8}:[0-9A-F]{8}:[0-9A-F]{8}:vzcreate:100:root@pam!pxr:$/);
    const p = parseUpid(upid);
    assert.equal(p?.starttime, Math.floor(clock.now() / 1000));
    assert.equal(p && formatUpid(p), upid);
    clock.advance(5000);
  });

  void test('a task runs until its scaled duration has passed, then stops with OK', async () => {
    const upid = await startTask('ok');
    const node = s.api.nodes.$('pve');
    const running = await node.tasks.$(upid).status.$get();
    assert.equal(running.status, 'running');
    assert.equal('exitstatus' in running, false);
    clock.advance(4999); // 10 s x 0.5 scale
    assert.equal((await node.tasks.$(upid).status.$get()).status, 'running');
    clock.advance(1);
    const done = await node.tasks.$(upid).status.$get();
    assert.equal(done.status, 'stopped');
    assert.equal(done.exitstatus, 'OK');
    assert.equal(done.user, 'root@pam');
    assert.equal((done as { tokenid?: string }).tokenid, 'pxr');
    const log = await node.tasks.$(upid).log.$get();
    assert.deepEqual(log, [
      { n: 1, t: 'extracting archive' },
      { n: 2, t: 'TASK OK' },
    ]);
  });

  void test('the clock timer completes tasks without any request', async () => {
    const upid = await startTask('ok');
    clock.advance(5000);
    const t = s.sim.state.tasks.find((x) => x.upid === upid);
    assert.equal(t?.status, 'stopped');
    assert.equal(t?.exitstatus, 'OK');
  });

  void test('warnings end as WARNINGS: N and TASK WARNINGS: N', async () => {
    const upid = await startTask('warn');
    clock.advance(5000);
    const st = await s.api.nodes.$('pve').tasks.$(upid).status.$get();
    assert.equal(st.exitstatus, 'WARNINGS: 1');
    const log = await s.api.nodes.$('pve').tasks.$(upid).log.$get();
    assert.equal(log.at(-1)?.t, 'TASK WARNINGS: 1');
  });

  void test('a thrown error becomes the exit status and TASK ERROR, and finally(false) runs', async () => {
    cleanups.length = 0;
    const upid = await startTask('fail');
    clock.advance(5000);
    const st = await s.api.nodes.$('pve').tasks.$(upid).status.$get();
    assert.equal(st.exitstatus, 'unable to create CT 100 - disk full');
    const log = await s.api.nodes.$('pve').tasks.$(upid).log.$get();
    assert.equal(log.at(-1)?.t, 'TASK ERROR: unable to create CT 100 - disk full');
    assert.deepEqual(cleanups, [false]);
  });

  void test('a task failure rule fails a matching task with its message', async () => {
    s.sim.faults.addTaskFailure({
      type: 'vzcreate',
      id: '555',
      message: 'injected failure',
      count: 1,
    });
    const upid = await startTask('ok', '555');
    clock.advance(5000);
    const t = s.sim.state.tasks.find((x) => x.upid === upid);
    assert.equal(t?.exitstatus, 'injected failure');
    const next = await startTask('ok', '555');
    clock.advance(5000);
    assert.equal(s.sim.state.tasks.find((x) => x.upid === next)?.exitstatus, 'OK');
  });

  void test('DELETE on a running task stops it as interrupted by signal', async () => {
    const upid = await startTask('ok');
    await s.api.nodes.$('pve').tasks.$(upid).$delete();
    const st = await s.api.nodes.$('pve').tasks.$(upid).status.$get();
    assert.equal(st.status, 'stopped');
    assert.equal(st.exitstatus, 'interrupted by signal');
  });

  void test('bad and unknown UPIDs answer the 400 texts of Tasks.pm', async () => {
    const bad = await rawRequest(`${s.url}/api2/json/nodes/pve/tasks/nope/status`, {
      headers: { Authorization: s.authHeader },
    });
    assert.equal(bad.status, 400);
    assert.deepEqual(JSON.parse(bad.body).errors, { upid: 'unable to parse worker upid' });
    const unknown = await rawRequest(
      `${s.url}/api2/json/nodes/pve/tasks/${encodeURIComponent('UPID:pve:00000001:00000002:00000003:vzstart:1:root@pam:')}/status`,
      { headers: { Authorization: s.authHeader } },
    );
    assert.equal(unknown.status, 400);
    assert.deepEqual(JSON.parse(unknown.body).errors, { upid: 'no such task' });
  });

  void test('the node task list shows finished tasks newest first with their status and total', async () => {
    const r = await rawRequest(`${s.url}/api2/json/nodes/pve/tasks?limit=2&errors=1`, {
      headers: { Authorization: s.authHeader },
    });
    const body = JSON.parse(r.body) as { data: Record<string, unknown>[]; total: number };
    assert.ok(body.total >= 2);
    assert.equal(body.data.length, 2);
    for (const t of body.data) {
      assert.notEqual(t.status, 'OK');
      assert.equal(typeof t.endtime, 'number');
    }
    const all = await s.api.cluster.tasks.$get();
    assert.ok(all.length >= body.total);
  });

  void test('the task log pages with start and limit', async () => {
    const upid = await startTask('ok');
    clock.advance(5000);
    const page = await s.api.nodes.$('pve').tasks.$(upid).log.$get({ start: 1, limit: 1 });
    assert.deepEqual(page, [{ n: 2, t: 'TASK OK' }]);
  });
});
