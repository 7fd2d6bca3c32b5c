import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { removeCondition, setCondition } from '../../src/core/conditions.js';
import { Backoff, backoffDelay } from '../../src/core/backoff.js';

describe('conditions', () => {
  test('lastTransitionTime changes only when the status flips', () => {
    let c = setCondition([], { type: 'Ready', status: 'False', reason: 'A', message: 'a' }, 1);
    c = setCondition(c, { type: 'Ready', status: 'False', reason: 'B', message: 'b' }, 2);
    assert.deepEqual(c, [
      { type: 'Ready', status: 'False', reason: 'B', message: 'b', lastTransitionTime: 1 },
    ]);
    c = setCondition(c, { type: 'Ready', status: 'True', reason: 'B', message: 'b' }, 3);
    assert.equal(c[0]?.lastTransitionTime, 3);
    c = setCondition(c, { type: 'Drifted', status: 'True', reason: 'D', message: 'd' }, 4);
    assert.deepEqual(
      c.map((x) => x.type),
      ['Ready', 'Drifted'],
    );
    assert.deepEqual(
      removeCondition(c, 'Ready').map((x) => x.type),
      ['Drifted'],
    );
  });
});

describe('backoff', () => {
  test('delays double from 750 ms and cap at 15 min (no jitter)', () => {
    const b = new Backoff({ random: () => 0 });
    const seq = Array.from({ length: 14 }, () => b.next('k'));
    assert.deepEqual(
      seq,
      [
        750, 1500, 3000, 6000, 12_000, 24_000, 48_000, 96_000, 192_000, 384_000, 768_000, 900_000,
        900_000, 900_000,
      ],
    );
  });

  test('jitter adds up to 10% from the injected random, never past the cap', () => {
    assert.equal(backoffDelay(0, { random: () => 0.5 }), 788); // 750 * 1.05
    assert.equal(backoffDelay(3, { random: () => 1 }), 6600);
    assert.equal(backoffDelay(20, { random: () => 1 }), 900_000);
    assert.equal(backoffDelay(5000, { random: () => 0 }), 900_000);
  });

  test('success resets a key to the base delay; keys are independent', () => {
    const b = new Backoff({ random: () => 0 });
    b.next('a');
    b.next('a');
    assert.equal(b.next('b'), 750);
    assert.equal(b.next('a'), 3000);
    b.reset('a');
    assert.equal(b.failures('a'), 0);
    assert.equal(b.next('a'), 750);
  });
});
