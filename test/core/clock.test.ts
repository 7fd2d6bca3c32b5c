import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { systemClock } from '../../src/core/clock.js';

describe('systemClock', () => {
  test('a timer longer than setTimeout can hold (~24.8 days) does not fire at once', async () => {
    // Node turns a delay above 2^31-1 ms into 1 ms: a `--resync 30d` would sweep in a hot loop.
    let fired = false;
    const cancel = systemClock.setTimer(30 * 86_400_000, () => (fired = true));
    // An overflowed timer fires after 1 ms, so it would have fired before these 50 ms (a ref'd
    // timer: the clock's own are unref'd and would let the test's event loop end).
    await delay(50);
    cancel();
    assert.equal(fired, false);
  });

  test('a long timer can still be cancelled, and a short one still fires', async () => {
    const cancel = systemClock.setTimer(2 ** 31 + 5, () => assert.fail('cancelled timer fired'));
    cancel();
    let fired = false;
    systemClock.setTimer(5, () => (fired = true));
    await delay(50);
    assert.equal(fired, true);
  });
});
