import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../helpers/wait.js';
import { ManualClock } from '../../src/core/clock.js';
import { WorkQueue } from '../../src/core/work-queue.js';

/** A handler whose runs block until the test releases them. */
function gatedHandler(): {
  handler: (key: string) => Promise<void>;
  started: string[];
  release: (key: string) => void;
  waitStarted: (n: number) => Promise<void>;
  maxActivePerKey: () => number;
} {
  const started: string[] = [];
  const gates = new Map<string, (() => void)[]>();
  const active = new Map<string, number>();
  let maxPerKey = 0;
  return {
    started,
    handler: async (key) => {
      started.push(key);
      active.set(key, (active.get(key) ?? 0) + 1);
      maxPerKey = Math.max(maxPerKey, active.get(key) ?? 0);
      await new Promise<void>((resolve) => gates.set(key, [...(gates.get(key) ?? []), resolve]));
      active.set(key, (active.get(key) ?? 1) - 1);
    },
    release: (key) => {
      const list = gates.get(key) ?? [];
      const next = list.shift();
      gates.set(key, list);
      next?.();
    },
    waitStarted: async (n) => {
      await waitFor(`${n} reconciles started`, () => started.length >= n, 20_000, 0);
    },
    maxActivePerKey: () => maxPerKey,
  };
}

const noError = (): void => assert.fail('handler errors are not expected here');

describe('work queue', () => {
  test('is stingy: a key added many times before processing runs once', async () => {
    const seen: string[] = [];
    const q = new WorkQueue({
      clock: new ManualClock(),
      autoStart: false,
      handler: async (k) => void seen.push(k),
      onError: noError,
    });
    for (let i = 0; i < 5; i++) q.add('a');
    q.add('b');
    assert.equal(q.depth, 2);
    q.start();
    await q.onIdle();
    assert.deepEqual(seen, ['a', 'b']);
  });

  test('a key added while processing is processed again once, never concurrently', async () => {
    const h = gatedHandler();
    const q = new WorkQueue({
      clock: new ManualClock(),
      concurrency: 4,
      handler: h.handler,
      onError: noError,
    });
    q.add('a');
    await h.waitStarted(1);
    assert.ok(q.isProcessing('a'));
    q.add('a');
    q.add('a');
    assert.equal(q.depth, 0, 'dirty key waits for the running one, not in the queue');
    h.release('a');
    await h.waitStarted(2);
    h.release('a');
    await q.onIdle();
    assert.deepEqual(h.started, ['a', 'a']);
    assert.equal(h.maxActivePerKey(), 1);
  });

  test('different keys run in parallel up to the concurrency cap', async () => {
    const h = gatedHandler();
    const q = new WorkQueue({
      clock: new ManualClock(),
      concurrency: 2,
      handler: h.handler,
      onError: noError,
    });
    for (const k of ['a', 'b', 'c']) q.add(k);
    await h.waitStarted(2);
    assert.equal(q.inFlight, 2);
    assert.equal(q.depth, 1);
    h.release('a');
    await h.waitStarted(3);
    h.release('b');
    h.release('c');
    await q.onIdle();
    assert.deepEqual(h.started, ['a', 'b', 'c']);
  });

  test('addAfter fires on the clock and keeps only the earliest pending time per key', async () => {
    const clock = new ManualClock();
    const seen: string[] = [];
    const q = new WorkQueue({ clock, handler: async (k) => void seen.push(k), onError: noError });
    q.addAfter('a', 1000);
    q.addAfter('a', 500);
    q.addAfter('a', 2000);
    assert.equal(q.delayed, 1);
    clock.advance(499);
    await q.onIdle();
    assert.deepEqual(seen, []);
    clock.advance(1);
    await q.onIdle();
    assert.deepEqual(seen, ['a']);
    clock.advance(5000);
    await q.onIdle();
    assert.deepEqual(seen, ['a'], 'later delayed adds were folded into the earliest');
  });

  test('addRateLimited waits at least what it is asked (a Retry-After), else the backoff', async () => {
    const clock = new ManualClock();
    const seen: string[] = [];
    const q = new WorkQueue({
      clock,
      handler: async (k) => void seen.push(k),
      onError: noError,
      backoff: { baseMs: 100, maxMs: 1000, jitter: 0 },
    });
    assert.equal(q.addRateLimited('a', 60_000), 60_000);
    clock.advance(59_999);
    await q.onIdle();
    assert.deepEqual(seen, []);
    clock.advance(1);
    await q.onIdle();
    assert.deepEqual(seen, ['a']);
    assert.ok(q.addRateLimited('b') <= 1000, 'no Retry-After: the backoff alone');
  });

  test('a run supersedes the delayed add of its key made before it, not one made during it', async () => {
    const clock = new ManualClock();
    const seen: string[] = [];
    let requeue = false;
    const q = new WorkQueue({
      clock,
      handler: async (k) => {
        seen.push(k);
        if (requeue) q.addAfter(k, 300);
      },
      onError: noError,
    });
    q.addAfter('a', 100);
    q.add('a');
    await q.onIdle();
    assert.deepEqual(seen, ['a']);
    assert.equal(q.delayed, 0, 'the earlier timer was cancelled by the run');
    clock.advance(1000);
    await q.onIdle();
    assert.deepEqual(seen, ['a'], 'no second pass from the stale timer');
    requeue = true;
    q.add('a');
    await q.onIdle();
    requeue = false;
    clock.advance(300);
    await q.onIdle();
    assert.deepEqual(seen, ['a', 'a', 'a'], 'the requeue the run asked for still fires');
  });

  test('a throwing handler is reported and does not stop the queue', async () => {
    const errors: unknown[] = [];
    const seen: string[] = [];
    const q = new WorkQueue({
      clock: new ManualClock(),
      handler: async (k) => {
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- the point of the test
        if (k === 'bad') throw 'not even an Error';
        seen.push(k);
      },
      onError: (_k, e) => errors.push(e),
    });
    q.add('bad');
    q.add('good');
    await q.onIdle();
    assert.deepEqual(errors, ['not even an Error']);
    assert.deepEqual(seen, ['good']);
  });

  test('shutdown drops queued and delayed keys and waits for running ones', async () => {
    const clock = new ManualClock();
    const h = gatedHandler();
    const q = new WorkQueue({ clock, concurrency: 1, handler: h.handler, onError: noError });
    q.add('a');
    q.add('b');
    q.addAfter('c', 100);
    await h.waitStarted(1);
    const done = q.shutdown(10_000);
    q.add('d');
    h.release('a');
    assert.equal(await done, true);
    clock.advance(1000);
    await q.onIdle();
    assert.deepEqual(h.started, ['a']);
  });

  test('shutdown gives up after its timeout on the clock when a handler hangs', async () => {
    const clock = new ManualClock();
    const h = gatedHandler();
    const q = new WorkQueue({ clock, handler: h.handler, onError: noError });
    q.add('stuck');
    await h.waitStarted(1);
    const done = q.shutdown(5000);
    clock.advance(5000);
    assert.equal(await done, false);
    h.release('stuck');
  });
});
