/**
 * The write-ahead ownership API the runtime hands to reconcilers (`ctx.ownership`), and
 * `ctx.recordEvent` for finalizers that answer `done`: real SQLite (in memory) under a real Manager.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/core/clock.js';
import type { StoredObject } from '../../src/core/kind.js';
import { inventoryOwnership } from '../../src/core/ownership.js';
import { PxrError } from '../../src/core/errors.js';
import { openStore } from '../../src/store/store.js';
import { doc, FakeReconciler, kind, rig, snap } from './helpers.js';

const vmbr1 = { resourceType: 'bridge', node: 'pve', resourceId: 'vmbr1' };

function obj(name: string, uid: string): StoredObject {
  return {
    kind: 'Bridge',
    name,
    uid,
    generation: 1,
    specHash: 'h',
    spec: {},
    labels: {},
    annotations: {},
    sourceFile: 'b.yaml',
    deletionRequested: false,
    finalizers: [],
  };
}

describe('ownership: write-ahead inventory bound to uids', () => {
  test('a claim is visible at once, to a new ownership view over the same store, and is idempotent', () => {
    const clock = new ManualClock(1000);
    const store = openStore(':memory:', { clock });
    const a = obj('lan', 'uid-1');
    const own = inventoryOwnership(store.inventory, [a], clock);
    own.claim('lan', vmbr1);
    clock.advance(500);
    own.claim('lan', vmbr1);
    // A restarted controller builds a new view: the record is in SQLite, not in memory.
    const again = inventoryOwnership(store.inventory, [a], clock);
    assert.equal(again.owns('lan', vmbr1), true);
    assert.deepEqual(again.owned('lan'), [vmbr1]);
    assert.equal(store.inventory.find(vmbr1)?.createdAt, 1000, 'the second claim kept the first');
  });

  test('a re-created object with the same name (new uid) does not own what the old one claimed', () => {
    const clock = new ManualClock();
    const store = openStore(':memory:', { clock });
    inventoryOwnership(store.inventory, [obj('lan', 'uid-old')], clock).claim('lan', vmbr1);
    const fresh = inventoryOwnership(store.inventory, [obj('lan', 'uid-new')], clock);
    assert.equal(fresh.owns('lan', vmbr1), false);
    assert.deepEqual(fresh.owned('lan'), []);
    assert.throws(
      () => fresh.claim('lan', vmbr1),
      (err: unknown) => err instanceof PxrError && err.code === 'INVENTORY_CONFLICT',
    );
    assert.equal(fresh.release('lan', vmbr1), false, 'cannot release what another uid owns');
    assert.equal(store.inventory.find(vmbr1)?.uid, 'uid-old');
  });

  test('release drops only the released resource, and only once', () => {
    const clock = new ManualClock();
    const store = openStore(':memory:', { clock });
    const own = inventoryOwnership(store.inventory, [obj('lan', 'u1')], clock);
    const vmbr2 = { ...vmbr1, resourceId: 'vmbr2' };
    own.claim('lan', vmbr1);
    own.claim('lan', vmbr2);
    assert.equal(own.release('lan', vmbr1), true);
    assert.equal(own.release('lan', vmbr1), false);
    assert.deepEqual(own.owned('lan'), [vmbr2]);
  });

  test('an object outside the group is refused with a stable code', () => {
    const clock = new ManualClock();
    const store = openStore(':memory:', { clock });
    const own = inventoryOwnership(store.inventory, [obj('lan', 'u1')], clock);
    assert.throws(
      () => own.claim('dmz', vmbr1),
      (err: unknown) => err instanceof PxrError && err.code === 'OWNERSHIP_UNKNOWN_OBJECT',
    );
    assert.equal(store.inventory.list().length, 0);
  });
});

describe('controller: ownership and events in the reconcile context', () => {
  test('a claim made before a reconciler fails is kept (write-ahead), bound to the stored uid', async () => {
    const r = new FakeReconciler();
    r.onReconcile = async (ctx) => {
      ctx.ownership!.claim('a', vmbr1);
      throw new Error('died after the create call');
    };
    const x = rig([kind('Bridge', r)]);
    x.manager.applySnapshot(snap([doc('Bridge', 'a')]));
    await x.manager.waitForIdle();
    const uid = x.store.objects.get({ kind: 'Bridge', name: 'a' })!.uid;
    assert.equal(x.store.inventory.find(vmbr1)?.uid, uid);
    assert.equal(x.store.status.get({ kind: 'Bridge', name: 'a' })?.lastResult, 'error');
    assert.deepEqual(
      x.store.describe({ kind: 'Bridge', name: 'a' })?.inventory.map((i) => i.resourceId),
      ['vmbr1'],
      '`pxr describe` lists it under Owns',
    );
    await x.manager.stop();
  });

  test('a finalizer answering done can still record events, kept after the object is removed', async () => {
    const r = new FakeReconciler();
    r.onFinalize = async (ctx, objs) => {
      for (const o of objs) {
        ctx.recordEvent!(o.name, {
          type: 'Warning',
          reason: 'DeletionSkipped',
          message: 'vmbr1 was not created by pxr; left in place',
        });
      }
      return new Map(objs.map((o) => [o.name, 'done' as const]));
    };
    const x = rig([kind('Bridge', r)], { ingest: { maxPruneRatio: 1 } });
    x.manager.applySnapshot(snap([doc('Bridge', 'a'), doc('Bridge', 'keep')]));
    await x.manager.waitForIdle();
    x.manager.applySnapshot(snap([doc('Bridge', 'keep')]));
    await x.manager.waitForIdle();
    assert.equal(x.store.objects.get({ kind: 'Bridge', name: 'a' }), undefined, 'finalized');
    const reasons = x.store.events
      .list({ ref: { kind: 'Bridge', name: 'a' } })
      .map((e) => `${e.type} ${e.reason}`);
    assert.ok(reasons.includes('Warning DeletionSkipped'), reasons.join(', '));
    assert.ok(reasons.includes('Normal Deleted'), reasons.join(', '));
    await x.manager.stop();
  });
});
