import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PxrError } from '../../src/core/errors.js';
import { memStore } from './helpers.js';

const ref = { kind: 'AppContainer', name: 'web' };

describe('drift records', () => {
  test('open drift per (object, field) is updated, not duplicated, and unchanged drift writes nothing', () => {
    const { store } = memStore();
    assert.equal(
      store.drift.observe(ref, { field: 'memory', desired: 512, actual: 1024 }, false, 1),
      'detected',
    );
    const before = store.totalChanges();
    assert.equal(
      store.drift.observe(ref, { field: 'memory', desired: 512, actual: 1024 }, false, 2),
      'unchanged',
    );
    assert.equal(store.totalChanges(), before);
    assert.equal(
      store.drift.observe(ref, { field: 'memory', desired: 512, actual: 2048 }, false, 3),
      'changed',
    );
    const open = store.drift.open(ref);
    assert.equal(open.length, 1);
    assert.equal(open[0]?.actual, 2048);
    assert.equal(open[0]?.detectedAt, 1);
  });

  test('resolved drift is trimmed per object: drift that recurs forever keeps a bounded history', () => {
    const { store } = memStore();
    const other = { kind: 'AppContainer', name: 'db' };
    store.drift.observe(other, { field: 'cores', desired: 2, actual: 1 }, true, 0);
    for (let i = 1; i <= 300; i++) {
      store.drift.observe(ref, { field: 'memory', desired: 512, actual: i }, true, i);
    }
    store.drift.observe(ref, { field: 'cores', desired: 2, actual: 1 }, false, 301);
    const rows = (
      store.db.prepare('SELECT count(*) AS n FROM drift WHERE name = ?').get('web') as { n: number }
    ).n;
    assert.ok(rows <= 101, `${rows} drift rows kept for one object`);
    assert.equal(store.drift.list(ref, 1)[0]?.field, 'cores', 'the open record is kept');
    assert.equal(store.drift.list(ref, 2)[1]?.actual, 300, 'the newest resolved record is kept');
    assert.equal(store.drift.list(other).length, 1, "other objects' records are untouched");
  });

  test('corrected drift is closed with corrected=true; vanished drift is resolved uncorrected', () => {
    const { store } = memStore();
    store.drift.observe(ref, { field: 'memory', desired: 512, actual: 1024 }, false, 1);
    store.drift.observe(ref, { field: 'cores', desired: 2, actual: 1 }, false, 1);
    assert.equal(
      store.drift.observe(ref, { field: 'memory', desired: 512, actual: 1024 }, true, 5),
      'corrected',
    );
    assert.deepEqual(store.drift.resolveMissing(ref, new Set(['memory']), 6), ['cores']);
    assert.deepEqual(store.drift.open(ref), []);
    const all = store.drift.list(ref);
    const mem = all.find((d) => d.field === 'memory');
    const cores = all.find((d) => d.field === 'cores');
    assert.equal(mem?.corrected, true);
    assert.equal(mem?.resolvedAt, 5);
    assert.equal(cores?.corrected, false);
    assert.equal(cores?.resolvedAt, 6);
  });
});

describe('alert outbox', () => {
  test('enqueue with the same key does not duplicate; claim leases, ack removes from pending', () => {
    const { store } = memStore();
    store.alerts.enqueue('drift/AppContainer/web/memory/detected', { n: 1 }, 100);
    store.alerts.enqueue('drift/AppContainer/web/memory/detected', { n: 2 }, 150);
    assert.equal(store.alerts.pending().length, 1);
    const claimed = store.alerts.claim(200, 10, 30_000);
    assert.equal(claimed.length, 1);
    assert.deepEqual(claimed[0]?.payload, { n: 2 });
    assert.equal(claimed[0]?.attempts, 1);
    assert.deepEqual(
      store.alerts.claim(201, 10, 30_000),
      [],
      'leased alerts are not claimed twice',
    );
    store.alerts.fail(claimed[0].id, 'HTTP 502', 1000);
    assert.equal(store.alerts.claim(999, 10, 30_000).length, 0);
    const retry = store.alerts.claim(1000, 10, 30_000);
    assert.equal(retry[0]?.attempts, 2);
    store.alerts.ack(retry[0].id, 1001);
    assert.deepEqual(store.alerts.pending(), []);
  });

  test('an acknowledged key is re-armed when the same transition happens again', () => {
    const { store } = memStore();
    store.alerts.enqueue('k', { n: 1 }, 1);
    const [a] = store.alerts.claim(1, 1, 10);
    store.alerts.ack(a!.id, 2);
    store.alerts.enqueue('k', { n: 2 }, 3);
    const again = store.alerts.claim(3, 1, 10);
    assert.equal(again.length, 1);
    assert.equal(again[0]?.attempts, 1);
    assert.deepEqual(again[0]?.payload, { n: 2 });
  });
});

describe('inventory', () => {
  test('records ownership by uid and refuses a second owner', () => {
    const { store } = memStore();
    const ct = { resourceType: 'lxc', node: 'pve1', resourceId: '105' };
    store.inventory.record({ kind: 'AppContainer', name: 'web', uid: 'u1' }, ct, 1);
    store.inventory.record({ kind: 'AppContainer', name: 'web', uid: 'u1' }, ct, 2);
    assert.equal(store.inventory.find(ct)?.createdAt, 1);
    assert.ok(store.inventory.owns('u1', ct));
    assert.ok(!store.inventory.owns('u2', ct));
    assert.throws(
      () => store.inventory.record({ kind: 'AppContainer', name: 'db', uid: 'u2' }, ct, 3),
      (e: unknown) => e instanceof PxrError && e.code === 'INVENTORY_CONFLICT',
    );
    assert.equal(store.inventory.listByOwner('u1').length, 1);
    assert.ok(store.inventory.remove(ct));
    assert.equal(store.inventory.find(ct), undefined);
  });
});
