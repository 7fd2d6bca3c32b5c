/**
 * Worker tasks as a client sees them while they run: the config flock a power task holds, the log
 * that fills before the end, the end time of a killed task, and logs of UPIDs nobody started.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/core/clock.js';
import { rawRequest, startSim } from '../helpers/sim.js';
import type { RawResponse, StartedSim } from '../helpers/sim.js';
import { waitFor } from '../helpers/wait.js';

const DEBIAN = 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst';

void describe('tasks on the wire', () => {
  const clock = new ManualClock(Date.UTC(2026, 3, 1, 12));
  let s: StartedSim;
  let auth: Record<string, string>;
  before(async () => {
    s = await startSim({ clock });
    auth = { Authorization: s.authHeader };
  });
  after(() => s.close());

  function call(method: string, path: string, form?: Record<string, string>): Promise<RawResponse> {
    const body = form ? new URLSearchParams(form).toString() : undefined;
    return rawRequest(`${s.url}/api2/json${path}`, {
      method,
      headers: body
        ? {
            ...auth,
            'Content-Type': 'application/x-www-form-urlencoded',
            'Content-Length': String(Buffer.byteLength(body)),
          }
        : auth,
      ...(body !== undefined ? { body } : {}),
    });
  }
  const data = <T>(r: RawResponse): T => (JSON.parse(r.body) as { data: T }).data;

  async function status(upid: string): Promise<Record<string, unknown>> {
    return data(await call('GET', `/nodes/pve/tasks/${encodeURIComponent(upid)}/status`));
  }
  async function log(upid: string, query = ''): Promise<{ t: string; n: number }[]> {
    return data(await call('GET', `/nodes/pve/tasks/${encodeURIComponent(upid)}/log${query}`));
  }
  async function finish(upid: string): Promise<void> {
    clock.advance(60_000);
    await waitFor(`task ${upid} stopped`, async () => (await status(upid)).status === 'stopped');
  }

  // pve-container PVE/API2/LXC.pm create_vm: the worker allocates volumes and extracts first.
  void test('a running create task already shows its first log lines, TASK OK only at the end', async () => {
    const upid = data<string>(
      await call('POST', '/nodes/pve/lxc', {
        vmid: '200',
        ostemplate: DEBIAN,
        storage: 'local-lvm',
      }),
    );
    const during = (await log(upid)).map((l) => l.t);
    assert.ok(
      during.some((t) => t.startsWith('extracting archive')),
      during.join('\n'),
    );
    assert.ok(!during.some((t) => t.startsWith('TASK ')));
    await finish(upid);
    const done = (await log(upid)).map((l) => l.t);
    assert.deepEqual(done.slice(0, during.length), during);
    assert.match(done.at(-1) ?? '', /^TASK (OK|WARNINGS: 1)$/);
  });

  // pve-common PVE/Tools.pm dump_logfile: an empty log file reads as one "no content" line.
  void test('a running task that logged nothing reads "no content"', async () => {
    const upid = data<string>(await call('POST', '/nodes/pve/lxc/200/status/start'));
    const r = await call('GET', `/nodes/pve/tasks/${encodeURIComponent(upid)}/log`);
    assert.deepEqual(JSON.parse(r.body), { data: [{ n: 1, t: 'no content' }], total: 1 });
    await finish(upid);
    await call('POST', '/nodes/pve/lxc/200/status/stop').then(async (r2) => finish(data(r2)));
  });

  // pve-container PVE/API2/LXC/Status.pm: vm_start's worker runs inside lock_config; PUT /config
  // takes the same flock (pve-common lock_file_full, 10 s timeout) and so waits for the task.
  void test('PUT /config during vzstart waits for the task to end, then applies', async () => {
    const upid = data<string>(await call('POST', '/nodes/pve/lxc/200/status/start'));
    let done = false;
    const put = call('PUT', '/nodes/pve/lxc/200/config', { description: 'after start' }).then(
      (r) => {
        done = true;
        return r;
      },
    );
    await waitFor('the PUT parked on the config flock', () => clock.pending() > 1);
    assert.equal(done, false);
    assert.equal((await status(upid)).status, 'running');
    clock.advance(1500);
    const r = await put;
    assert.equal(r.status, 200);
    assert.equal((await status(upid)).exitstatus, 'OK');
    const conf = data<Record<string, unknown>>(await call('GET', '/nodes/pve/lxc/200/config'));
    assert.equal(conf.description, 'after start\n');
    await call('POST', '/nodes/pve/lxc/200/status/stop').then(async (r2) => finish(data(r2)));
  });

  // PVE/API2/Tasks.pm stop_task kills the worker: the task ends then, not when it would have.
  void test('a killed task shows the time it was killed as its end time', async () => {
    const startedAt = clock.now();
    const upid = data<string>(await call('POST', '/nodes/pve/lxc/200/status/start'));
    clock.advance(100);
    const killedAt = Math.floor(clock.now() / 1000);
    // vzstart would run 1.5 s: make sure the natural end falls into another second.
    if (Math.floor((startedAt + 1500) / 1000) === killedAt) assert.fail('clock setup');
    const del = await call('DELETE', `/nodes/pve/tasks/${encodeURIComponent(upid)}`);
    assert.equal(del.status, 200);
    const st = await status(upid);
    assert.equal(st.exitstatus, 'interrupted by signal');
    const list = data<Record<string, unknown>[]>(await call('GET', '/nodes/pve/tasks'));
    assert.equal(list.find((t) => t.upid === upid)?.endtime, killedAt);
  });

  // read_task_log has no "no such task" check; dump_logfile cannot open the file.
  void test('the log of a well-formed UPID nobody started reads like a missing file', async () => {
    const upid = 'UPID:pve:00001234:00005678:6601A2B3:vzstart:999:root@pam:';
    const r = await call('GET', `/nodes/pve/tasks/${encodeURIComponent(upid)}/log`);
    assert.equal(r.status, 200);
    assert.deepEqual(JSON.parse(r.body), {
      data: [{ n: 1, t: 'unable to open file - No such file or directory' }],
      total: 1,
    });
    const st = await call('GET', `/nodes/pve/tasks/${encodeURIComponent(upid)}/status`);
    assert.equal(st.status, 400);
    const bad = await call('GET', `/nodes/pve/tasks/not-a-upid/log`);
    assert.equal(bad.status, 400);
  });

  void test('limit=0 reads the whole log (dump_logfile read_until_end)', async () => {
    const upid = s.sim.state.tasks.find((t) => t.type === 'vzcreate')?.upid ?? '';
    const all = await log(upid, '?limit=0');
    assert.ok(all.length > 1);
    assert.equal(all.at(-1)?.t.startsWith('TASK '), true);
    assert.deepEqual((await log(upid, '?start=1&limit=0'))[0]?.n, 2);
  });
});

void describe('config flock timeout', () => {
  // pve-common PVE/Tools.pm lock_file_full: run_with_timeout(10) -> "can't lock file ... - got
  // timeout"; a vzstart 10x slower than usual (15 s) outlasts it.
  void test('PUT /config fails with the flock timeout when the task outlasts 10 s', async () => {
    const clock = new ManualClock(Date.UTC(2026, 3, 1, 12));
    const s = await startSim({ clock, taskTimeScale: 10 });
    try {
      const auth = { Authorization: s.authHeader };
      const post = async (path: string, body: string, method = 'POST'): Promise<RawResponse> =>
        rawRequest(`${s.url}/api2/json${path}`, {
          method,
          headers: {
            ...auth,
            'Content-Type': 'application/x-www-form-urlencoded',
            'Content-Length': String(Buffer.byteLength(body)),
          },
          body,
        });
      const created = await post(
        '/nodes/pve/lxc',
        `vmid=300&ostemplate=${DEBIAN}&storage=local-lvm`,
      );
      assert.equal(created.status, 200);
      clock.advance(200_000);
      const started = await rawRequest(`${s.url}/api2/json/nodes/pve/lxc/300/status/start`, {
        method: 'POST',
        headers: auth,
      });
      assert.equal(started.status, 200);
      let done = false;
      const put = post('/nodes/pve/lxc/300/config', 'description=too-early', 'PUT').then((r) => {
        done = true;
        return r;
      });
      await waitFor('the PUT parked on the config flock', () => clock.pending() > 1);
      clock.advance(9_999);
      await new Promise((r) => setImmediate(r));
      assert.equal(done, false);
      clock.advance(1);
      const r = await put;
      assert.equal(r.status, 500);
      assert.equal(r.reason, "can't lock file '/run/lock/lxc/pve-config-300.lock' - got timeout");
    } finally {
      await s.close();
    }
  });
});
