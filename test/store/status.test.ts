import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { emptyStatus } from '../../src/store/status-repo.js';
import { memStore } from './helpers.js';

const ref = { kind: 'Bridge', name: 'vmbr1' };
const ready = {
  type: 'Ready',
  status: 'True' as const,
  reason: 'Reconciled',
  message: 'ok',
  lastTransitionTime: 10,
};

describe('status repository', () => {
  test('put writes only when something other than the reconcile time changed', () => {
    const { store } = memStore();
    const s = { ...emptyStatus(), conditions: [ready], observedGeneration: 1, lastReconcileAt: 10 };
    assert.equal(store.status.put(ref, s, 10), true);
    const before = store.totalChanges();
    assert.equal(store.status.put(ref, { ...s, lastReconcileAt: 99 }, 99), false);
    assert.equal(store.totalChanges(), before, 'identical status writes no row');
    assert.equal(store.status.put(ref, { ...s, observed: { vmid: 105 } }, 100), true);
    assert.deepEqual(store.status.get(ref)?.observed, { vmid: 105 });
  });

  test('SourceInvalid is set once, kept with other conditions, and cleared without writes when absent', () => {
    const { store } = memStore();
    const other = { kind: 'Bridge', name: 'clean' };
    assert.equal(store.status.setSourceInvalid(other, false, '', 1), false, 'no row created');
    assert.equal(store.status.get(other), undefined);
    store.status.put(ref, { ...emptyStatus(), conditions: [ready] }, 1);
    assert.equal(store.status.setSourceInvalid(ref, true, 'x.yaml is invalid', 2), true);
    assert.equal(store.status.setSourceInvalid(ref, true, 'x.yaml is invalid', 3), false);
    const s = store.status.get(ref);
    assert.equal(s?.sourceInvalid, true);
    assert.deepEqual(
      s?.conditions.map((c) => [c.type, c.status, c.lastTransitionTime]),
      [
        ['Ready', 'True', 10],
        ['SourceInvalid', 'True', 2],
      ],
    );
    assert.equal(store.status.setSourceInvalid(ref, false, '', 4), true);
    assert.deepEqual(
      store.status.get(ref)?.conditions.map((c) => c.type),
      ['Ready'],
    );
  });
});
