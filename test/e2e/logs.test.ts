/**
 * Logs a person can watch (`pxr run` as startControllerApp builds it, the simulator over HTTP): a
 * converged controller says nothing at info across resyncs; a change behind pxr's back gives exactly
 * one WARN line, naming the object, the field, the desired and the actual value.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { waitFor } from '../helpers/wait.js';
import { waitForPasses } from '../helpers/passes.js';
import { waitTask } from '../helpers/wait-task.js';
import { bridgeDoc, startHarness, type Harness } from './harness.js';

interface Line {
  level: number;
  msg: string;
  kind?: string;
  name?: string;
}

describe('logs a person can watch', () => {
  let h: Harness;
  const lines: Line[] = [];
  const RESYNC_MS = 300;
  before(async () => {
    const log = pino(
      { level: 'debug' },
      { write: (s: string) => void lines.push(JSON.parse(s) as Line) },
    );
    h = await startHarness({ resyncMs: RESYNC_MS, log });
    h.write(
      'net.yaml',
      [
        bridgeDoc('lan', { iface: 'vmbr7', ports: ['eno2'] }),
        bridgeDoc('dmz', { iface: 'vmbr8', ports: [] }),
      ].join('---\n'),
    );
    await waitFor('both bridges Ready', () =>
      ['lan', 'dmz'].every((n) =>
        h.app.store.status
          .get({ kind: 'Bridge', name: n })
          ?.conditions.some((c) => c.type === 'Ready' && c.status === 'True'),
      ),
    );
    await h.app.manager.waitForIdle();
  });
  after(() => h.close());

  test('converging said what happened, per object, and one line when all was Ready', () => {
    const info = lines
      .filter((l) => l.level >= 30)
      .map((l) => `${l.kind ?? ''}/${l.name ?? ''} ${l.msg}`);
    assert.ok(
      info.some((l) => /^Bridge\/lan create vmbr7/.test(l)),
      info.join('\n'),
    );
    assert.ok(
      info.some((l) => /^\/ all 2 objects Ready in [\d.]+ s$/.test(l)),
      info.join('\n'),
    );
    assert.ok(
      lines.every((l) => l.msg !== 'reconciled'),
      'no group-level "reconciled" lines',
    );
  });

  test('three resyncs of a converged controller log nothing at info', async () => {
    const mark = lines.length;
    const passes = (): number =>
      lines.slice(mark).filter((l) => l.msg === 'reconciled, nothing to do').length;
    // Each resync sweeps both bridges (one pass for the node): wait for at least three.
    await waitFor('three converged resyncs', () => passes() >= 3 * 2 || undefined, 20_000);
    const loud = lines.slice(mark).filter((l) => l.level >= 30);
    assert.deepEqual(loud, []);
  });

  test('a change behind pxr’s back is exactly one WARN line naming field, desired and actual', async () => {
    const mark = lines.length;
    await h.pve.updateNetwork('pve', 'vmbr7', { type: 'bridge', bridge_ports: 'eno3' });
    await waitTask(h.pve, 'pve', await h.pve.applyNetwork('pve'), { pollMs: 20 });
    await waitFor('the drift recorded', () =>
      h.app.store.drift.list({ kind: 'Bridge', name: 'lan' }).some((d) => d.corrected),
    );
    await h.app.manager.waitForIdle();
    // And a few quiet resyncs after it: three more passes of the node's bridges (one key), so at
    // least two whole passes after the correction had their chance to warn again.
    await waitForPasses(h.app.manager, 'Bridge', 3);
    // The drift is one WARN. (A pass that lands between the person's staging and their apply also
    // warns, once, about their pending change: a different event, and a true one.)
    const warn = lines.slice(mark).filter((l) => l.level >= 40 && l.msg.startsWith('drift'));
    assert.equal(warn.length, 1, JSON.stringify(warn));
    assert.equal(warn[0]?.kind, 'Bridge');
    assert.equal(warn[0]?.name, 'lan');
    assert.match(
      warn[0]?.msg ?? '',
      /^drift corrected: bridge_ports: desired "eno2", actual "eno3"$/,
    );
  });
});
