import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../src/core/clock.js';
import { PxrError } from '../../src/core/errors.js';
import { createSimulator } from '../../src/sim/simulator.js';
import { startSim } from '../helpers/sim.js';
import { waitFor } from '../helpers/wait.js';

const dir = mkdtempSync(join(tmpdir(), 'pxr-sim-state-'));
after(() => rmSync(dir, { recursive: true, force: true }));

void describe('--state FILE persistence', () => {
  void test('state survives a restart: stop writes it, the next start reads it', async () => {
    const path = join(dir, 'roundtrip.json');
    const clock = new ManualClock(Date.UTC(2026, 4, 1));
    const a = await startSim({ statePath: path, clock });
    a.sim.state.nextId.lower = 4242;
    a.sim.context.touch();
    const upid = a.sim.tasks.start({
      node: 'pve',
      type: 'vzstart',
      id: '4242',
      caller: { user: 'root@pam', upidUser: 'root@pam' },
      durationMs: 3_600_000,
      run: () => undefined,
    });
    await a.close();
    assert.ok(existsSync(path));

    const b = await startSim({ statePath: path, clock });
    try {
      assert.equal((await b.api.cluster.nextid.$get()).toString(), '4242');
      // The running task's worker died with the old process: it ends as `unexpected status`.
      const node = b.api.nodes.$('pve');
      assert.equal((await node.tasks.$(upid).status.$get()).status, 'running');
      clock.advance(3_600_000);
      const st = await node.tasks.$(upid).status.$get();
      assert.equal(st.status, 'stopped');
      assert.equal(st.exitstatus, 'unexpected status');
    } finally {
      await b.close();
    }
  });

  void test('changes are written after the debounce delay, atomically (no temp file left)', async () => {
    const path = join(dir, 'debounce.json');
    const clock = new ManualClock();
    const sim = createSimulator({ statePath: path, clock, persistDebounceMs: 1000 });
    await sim.init();
    clock.advance(1000);
    await waitFor('the first state file written', () => existsSync(path));
    sim.state.clusterName = 'changed';
    sim.context.touch();
    // The debounce is a timer on the manual clock: 999 ms on, it has not fired (still pending), so
    // no write was started, whatever the event loop does next.
    const timers = clock.pending();
    clock.advance(999);
    assert.equal(clock.pending(), timers, 'the debounce timer has not fired at 999 ms');
    assert.notEqual(
      (JSON.parse(readFileSync(path, 'utf8')) as { clusterName: string }).clusterName,
      'changed',
    );
    clock.advance(1);
    assert.equal(clock.pending(), timers - 1, 'the debounce timer fired at 1000 ms');
    await waitFor(
      'the debounced write of the change',
      () =>
        (JSON.parse(readFileSync(path, 'utf8')) as { clusterName: string }).clusterName ===
        'changed',
    );
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.startsWith('debounce') && f.endsWith('.tmp')),
      [],
    );
    await sim.stop();
  });

  void test('a corrupt state file stops the start with SIM_STATE_CORRUPT and is not overwritten', async () => {
    const path = join(dir, 'corrupt.json');
    writeFileSync(path, '{"version": 1, "nodes": ');
    const sim = createSimulator({ statePath: path });
    await assert.rejects(sim.start(), (err: unknown) => {
      assert.ok(err instanceof PxrError);
      assert.equal(err.code, 'SIM_STATE_CORRUPT');
      assert.match(err.message, /corrupt\.json is not valid JSON; refusing to start/);
      return true;
    });
    await sim.stop();
    assert.equal(readFileSync(path, 'utf8'), '{"version": 1, "nodes": ');
  });

  void test('a state file of an unknown version is refused with SIM_STATE_VERSION', async () => {
    const path = join(dir, 'future.json');
    writeFileSync(path, '{"version": 99}');
    const sim = createSimulator({ statePath: path });
    await assert.rejects(sim.start(), (err: unknown) => {
      assert.ok(err instanceof PxrError);
      assert.equal(err.code, 'SIM_STATE_VERSION');
      return true;
    });
    assert.equal(readFileSync(path, 'utf8'), '{"version": 99}');
  });

  void test('valid JSON that is not a simulator state is refused', async () => {
    const path = join(dir, 'other.json');
    writeFileSync(path, '{"version": 1, "hello": "world"}');
    await assert.rejects(createSimulator({ statePath: path }).start(), /missing required fields/);
  });
});
