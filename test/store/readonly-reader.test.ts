import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ManualClock } from '../../src/core/clock.js';
import { PxrError } from '../../src/core/errors.js';
import { openStore } from '../../src/store/store.js';
import { input, tempDir } from './helpers.js';

describe('read-only store (the CLI while `pxr run` writes)', () => {
  test('a read-only reader sees committed writes and is not blocked by the writer (WAL)', () => {
    const { dir, cleanup } = tempDir();
    const clock = new ManualClock();
    const path = join(dir, 'pxr.db');
    const writer = openStore(path, { clock });
    const reader = openStore(path, { clock, readonly: true });
    try {
      writer.objects.insert(input('a'), 1);
      assert.equal(reader.listObjects('Bridge').length, 1);
      // A long read transaction in the reader: the writer still commits, the reader keeps its snapshot.
      reader.db.exec('BEGIN');
      assert.equal(reader.objects.count(), 1);
      writer.transaction(() => {
        writer.objects.insert(input('b'), 2);
        writer.events.record(
          { kind: 'Bridge', name: 'b' },
          { type: 'Normal', reason: 'R', message: 'm' },
          2,
        );
      });
      assert.equal(reader.objects.count(), 1, 'reader keeps a consistent snapshot');
      reader.db.exec('COMMIT');
      assert.equal(reader.objects.count(), 2);
      assert.equal(reader.listEvents({ sinceSeq: 0 }).length, 1);
      assert.throws(() => reader.objects.insert(input('c'), 3), /readonly/i);
    } finally {
      reader.close();
      writer.close();
      cleanup();
    }
  });

  test('opening a missing file read-only fails with STORE_OPEN instead of creating it', () => {
    const { dir, cleanup } = tempDir();
    try {
      assert.throws(
        () => openStore(join(dir, 'none.db'), { clock: new ManualClock(), readonly: true }),
        (e: unknown) => e instanceof PxrError && e.code === 'STORE_OPEN',
      );
    } finally {
      cleanup();
    }
  });

  test('describe returns object, status, events, history, drift and inventory', () => {
    const { dir, cleanup } = tempDir();
    const clock = new ManualClock();
    const path = join(dir, 'pxr.db');
    const w = openStore(path, { clock });
    const r = openStore(path, { clock, readonly: true });
    try {
      const obj = w.objects.insert(input('a'), 1);
      w.drift.observe(obj, { field: 'mtu', desired: 1500, actual: 9000 }, false, 2);
      w.history.record(obj, {
        reconcileId: 'x',
        startedAt: 2,
        durationMs: 1,
        result: 'ok',
        actions: [],
      });
      w.inventory.record(obj, { resourceType: 'iface', node: 'pve1', resourceId: 'vmbr1' }, 2);
      const d = r.describe({ kind: 'Bridge', name: 'a' });
      assert.equal(d?.object.uid, obj.uid);
      assert.deepEqual(d?.status.conditions, []);
      assert.equal(d?.openDrift, 1);
      assert.equal(d?.history.length, 1);
      assert.equal(d?.inventory[0]?.resourceId, 'vmbr1');
      assert.equal(r.listObjects()[0]?.openDrift, 1);
      assert.equal(r.describe({ kind: 'Bridge', name: 'nope' }), undefined);
    } finally {
      r.close();
      w.close();
      cleanup();
    }
  });
});
