/**
 * Polls `cond` every `everyMs` (0: every turn of the event loop) until it holds (no fixed sleeps in
 * tests); fails naming `what` after `timeoutMs`.
 */
export async function waitFor<T>(
  what: string,
  cond: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 20_000,
  everyMs = 25,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await cond();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`,
      );
    // everyMs 0: only yield to the event loop between tries, for in-process work (a manual clock,
    // a queue) that gets there within a few turns, where a timer per try would dominate the test.
    await new Promise((r) => (everyMs === 0 ? setImmediate(r) : setTimeout(r, everyMs)));
  }
}
