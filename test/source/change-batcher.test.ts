import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/core/clock.js';
import { ChangeBatcher } from '../../src/source/change-batcher.js';

/** Lets pending promise callbacks (a batch finishing) run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
}

function setup(opts: { debounceMs?: number; maxWaitMs?: number } = {}) {
  const clock = new ManualClock();
  const batches: string[][] = [];
  const errors: Error[] = [];
  let gate: Promise<void> | undefined;
  const batcher = new ChangeBatcher({
    clock,
    ...opts,
    run: async (batch) => {
      batches.push([...batch].sort());
      if (gate) await gate;
    },
    onError: (e) => errors.push(e),
  });
  return {
    clock,
    batches,
    errors,
    batcher,
    hold: (): (() => void) => {
      let release!: () => void;
      gate = new Promise<void>((r) => (release = r));
      return () => {
        gate = undefined;
        release();
      };
    },
  };
}

describe('change batching on the injected clock', () => {
  test('a burst of events becomes one batch after the quiet period', async () => {
    const { clock, batches, batcher } = setup({ debounceMs: 300 });
    batcher.notify('a.yaml');
    clock.advance(200);
    batcher.notify('b.yaml');
    clock.advance(299);
    assert.deepEqual(batches, [], 'the second event restarted the quiet period');
    clock.advance(1);
    await settle();
    assert.deepEqual(batches, [['a.yaml', 'b.yaml']]);
    assert.equal(clock.pending(), 0);
  });

  test('a constant stream of events still produces a batch after maxWait', async () => {
    const { clock, batches, batcher } = setup({ debounceMs: 300, maxWaitMs: 1000 });
    for (let t = 0; t < 1000; t += 100) {
      batcher.notify(`f${t}`);
      clock.advance(100);
    }
    await settle();
    assert.equal(batches.length, 1);
    assert.equal(batches[0]?.length, 10);
  });

  test('events during a running batch make exactly one more batch afterwards', async () => {
    const { clock, batches, batcher, hold } = setup({ debounceMs: 300 });
    const release = hold();
    batcher.notify('a');
    clock.advance(300);
    await settle();
    assert.equal(batches.length, 1);
    batcher.notify('b');
    batcher.notify('c');
    clock.advance(1000);
    await settle();
    assert.equal(batches.length, 1, 'never two batches at once');
    release();
    await settle();
    clock.advance(300);
    await settle();
    assert.deepEqual(batches, [['a'], ['b', 'c']]);
  });

  test('flush runs at once and resolves when the batch is done', async () => {
    const { batches, batcher } = setup();
    batcher.notify('a');
    await batcher.flush('resync');
    assert.deepEqual(batches, [['a', 'resync']]);
  });

  test('a failing batch is reported and later batches still run', async () => {
    const clock = new ManualClock();
    const errors: Error[] = [];
    let calls = 0;
    const batcher = new ChangeBatcher({
      clock,
      run: async () => {
        calls++;
        if (calls === 1) throw new Error('disk on fire');
      },
      onError: (e) => errors.push(e),
    });
    batcher.notify('a');
    clock.advance(300);
    await settle();
    batcher.notify('b');
    clock.advance(300);
    await settle();
    assert.equal(calls, 2);
    assert.deepEqual(
      errors.map((e) => e.message),
      ['disk on fire'],
    );
  });

  test('close cancels the waiting batch and leaves no timer behind', async () => {
    const { clock, batches, batcher } = setup();
    batcher.notify('a');
    await batcher.close();
    clock.advance(10_000);
    await settle();
    assert.deepEqual(batches, []);
    assert.equal(clock.pending(), 0);
    batcher.notify('b');
    assert.equal(clock.pending(), 0);
  });
});
