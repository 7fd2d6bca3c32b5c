/** Polls `cond` until it holds (no fixed sleeps in tests); fails naming `what` after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  cond: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 20_000,
  everyMs = 25,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  // The first tries only yield to the event loop: in-process work (a manual clock, a queue) usually
  // gets there within a few turns, and a 25 ms timer per try would dominate such tests.
  let quick = 50;
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
    await new Promise((r) => (quick-- > 0 ? setImmediate(r) : setTimeout(r, everyMs)));
  }
}
