import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { systemClock } from '../../src/core/clock.js';
import { waitFor } from '../helpers/wait.js';

describe('systemClock', () => {
  test('a timer longer than setTimeout can hold (~24.8 days) does not fire at once', async () => {
    // Node turns a delay above 2^31-1 ms into 1 ms: a `--resync 30d` would sweep in a hot loop.
    let fired = false;
    const cancel = systemClock.setTimer(30 * 86_400_000, () => (fired = true));
    // An overflowed timer fires after 1 ms, so it would have fired before these 50 ms (a ref'd
    // timer: the clock's own are unref'd and would let the test's event loop end). Real timers are
    // legitimate here, and load cannot make this pass wrongly: Node runs due timers in order of
    // expiry, so a 1 ms timer always runs before a 50 ms one armed after it, however late both are.
    await delay(50);
    cancel();
    assert.equal(fired, false);
  });

  test('a long timer can still be cancelled, and a short one still fires', async () => {
    const cancel = systemClock.setTimer(2 ** 31 + 5, () => assert.fail('cancelled timer fired'));
    cancel();
    let fired = false;
    systemClock.setTimer(5, () => (fired = true));
    // Waits for the timer rather than a fixed 50 ms: a loaded machine may run it late, not never.
    await waitFor('the 5 ms timer fired', () => fired, 10_000);
  });
});
