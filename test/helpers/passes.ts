/**
 * Countable proof that time and work went by, for negative assertions ("nothing else happened"):
 * instead of sleeping a fixed time, a test waits until the controller of a kind has finished N more
 * passes, then asserts nothing else happened during them.
 */
import type { Manager } from '../../src/core/manager.js';
import { waitFor } from './wait.js';

/** Finished passes of `kind`'s controller so far (every outcome counts: ok, error, requeue, stalled). */
export function passCount(manager: Manager, kind: string): number {
  const c = manager.controller(kind);
  if (!c) throw new Error(`no controller for kind ${kind}`);
  return c.counters.histogram().count;
}

/**
 * Resolves once `kind`'s controller has finished `n` more passes than when called. A pass already
 * running at the call counts, so `n = 2` proves at least one whole pass started after the call.
 */
export async function waitForPasses(
  manager: Manager,
  kind: string,
  n: number,
  timeoutMs?: number,
): Promise<number> {
  const from = passCount(manager, kind);
  return waitFor(
    `${n} more ${kind} passes (from ${from})`,
    () => passCount(manager, kind) >= from + n && passCount(manager, kind),
    timeoutMs,
  );
}
