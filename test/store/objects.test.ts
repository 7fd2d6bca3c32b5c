import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { specHash } from '../../src/store/canonical-json.js';
import { input, memStore } from './helpers.js';

describe('objects repository', () => {
  test('insert creates generation 1 with a random uid and the canonical spec hash', () => {
    const { store } = memStore();
    const a = store.objects.insert(input('a', { y: 2, x: 1 }), 1000);
    const b = store.objects.insert(input('b'), 1000);
    assert.equal(a.generation, 1);
    assert.match(a.uid, /^[0-9a-f-]{36}$/);
    assert.notEqual(a.uid, b.uid);
    assert.equal(a.specHash, specHash({ x: 1, y: 2 }));
    assert.deepEqual(a.spec, { x: 1, y: 2 });
    assert.equal(a.createdAt, 1000);
  });

  test('generation is bumped only when the spec hash changes', () => {
    const { store } = memStore();
    store.objects.insert(input('a', { x: 1, y: 2 }), 1);
    assert.equal(store.objects.updateFromSource(input('a', { y: 2, x: 1 }), 2), undefined);
    const labelsOnly = { ...input('a', { x: 1, y: 2 }), labels: { tier: 'web' } };
    assert.deepEqual(store.objects.updateFromSource(labelsOnly, 3), {
      specChanged: false,
      metaChanged: true,
    });
    assert.equal(store.objects.get({ kind: 'Bridge', name: 'a' })?.generation, 1);
    const specChange = { ...labelsOnly, spec: { x: 2, y: 2 } };
    assert.deepEqual(store.objects.updateFromSource(specChange, 4), {
      specChanged: true,
      metaChanged: false,
    });
    const got = store.objects.get({ kind: 'Bridge', name: 'a' });
    assert.equal(got?.generation, 2);
    assert.equal(got?.updatedAt, 4);
  });

  test('a re-created object gets a new uid (uids are never reused)', () => {
    const { store } = memStore();
    const first = store.objects.insert(input('a'), 1);
    store.removeObject(first);
    const second = store.objects.insert(input('a'), 2);
    assert.notEqual(second.uid, first.uid);
  });

  test('countPendingDeletion counts only deletion-requested objects of the given kinds', () => {
    const { store } = memStore();
    store.objects.insert(input('a'), 1);
    store.objects.insert({ ...input('c'), kind: 'AppContainer' }, 1);
    store.objects.setDeletionRequested({ kind: 'AppContainer', name: 'c' }, true, 2);
    assert.equal(store.objects.countPendingDeletion(['AppContainer']), 1);
    assert.equal(store.objects.countPendingDeletion(['Bridge']), 0);
    assert.equal(store.objects.countPendingDeletion([]), 0);
  });
});
