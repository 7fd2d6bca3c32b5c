import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { memStore } from './helpers.js';

const ref = { kind: 'Bridge', name: 'vmbr1' };

describe('events', () => {
  test('a repeated event bumps count and lastSeen instead of adding a row', () => {
    const { store } = memStore();
    const e = { type: 'Warning' as const, reason: 'ReconcileError', message: 'boom' };
    store.events.record(ref, e, 100);
    store.events.record(ref, e, 200);
    store.events.record(ref, { ...e, message: 'other' }, 300);
    const list = store.events.list({ ref });
    assert.equal(list.length, 2);
    const boom = list.find((x) => x.message === 'boom');
    assert.equal(boom?.count, 2);
    assert.equal(boom?.firstSeen, 100);
    assert.equal(boom?.lastSeen, 200);
  });

  test('followers polling by seq also see repeats of an existing event', () => {
    const { store } = memStore();
    const e = { type: 'Normal' as const, reason: 'Reconciled', message: 'created vmbr1' };
    store.events.record(ref, e, 1);
    const cursor = store.events.lastSeq();
    assert.deepEqual(store.events.list({ sinceSeq: cursor }), []);
    store.events.record(ref, e, 2);
    const seen = store.events.list({ sinceSeq: cursor });
    assert.equal(seen.length, 1);
    assert.equal(seen[0]?.count, 2);
  });

  test('only the last N events per object are kept', () => {
    const { store } = memStore({ eventsPerObject: 3 });
    for (let i = 0; i < 5; i++) {
      store.events.record(ref, { type: 'Normal', reason: 'R', message: `m${i}` }, i);
    }
    store.events.record(
      { kind: 'Bridge', name: 'other' },
      { type: 'Normal', reason: 'R', message: 'x' },
      9,
    );
    const mine = store.events.list({ ref }).map((x) => x.message);
    assert.deepEqual(mine, ['m4', 'm3', 'm2']);
    assert.equal(store.events.list({ ref: { kind: 'Bridge', name: 'other' } }).length, 1);
  });
});

describe('history', () => {
  test('keeps the last N runs per object, newest first', () => {
    const { store } = memStore({ historyPerObject: 20 });
    for (let i = 0; i < 25; i++) {
      store.history.record(ref, {
        reconcileId: `r${i}`,
        startedAt: i,
        durationMs: 5,
        result: i % 2 ? 'error' : 'ok',
        actions: [`a${i}`],
        ...(i % 2 ? { error: 'boom' } : {}),
      });
    }
    const h = store.history.list(ref);
    assert.equal(h.length, 20);
    assert.equal(h[0]?.reconcileId, 'r24');
    assert.equal(h.at(-1)?.reconcileId, 'r5');
    assert.deepEqual(h[0]?.actions, ['a24']);
    assert.equal(h[1]?.error, 'boom');
    const total = store.db.prepare('SELECT count(*) AS n FROM history').get() as { n: number };
    assert.equal(total.n, 20);
  });
});
