/**
 * Per-key exponential backoff for failed reconciles (client-go's ItemExponentialFailureRateLimiter
 * with Flux's bounds): 750 ms, 1.5 s, 3 s ... capped at 15 min, reset on success. Jitter spreads
 * retries of many keys that failed together (a Proxmox node outage) so they do not return in lockstep.
 */

export interface BackoffOptions {
  /** First delay. @default 750 */
  baseMs?: number;
  /** Cap. @default 900_000 (15 min) */
  maxMs?: number;
  /** @default 2 */
  factor?: number;
  /** Up to this fraction is added at random to each delay (before the cap). @default 0.1 */
  jitter?: number;
  /** Injected for tests. @default Math.random */
  random?: () => number;
}

/** Delay before retry number `failures + 1` (pure). */
export function backoffDelay(failures: number, opts: BackoffOptions = {}): number {
  const base = opts.baseMs ?? 750;
  const max = opts.maxMs ?? 900_000;
  const factor = opts.factor ?? 2;
  const jitter = opts.jitter ?? 0.1;
  const random = opts.random ?? Math.random;
  // Cap the exponent first: factor^failures overflows to Infinity after ~1000 failures.
  const raw = Math.min(max, base * Math.pow(factor, Math.min(failures, 64)));
  return Math.round(Math.min(max, raw * (1 + jitter * random())));
}

export class Backoff {
  private readonly failuresByKey = new Map<string, number>();

  constructor(private readonly opts: BackoffOptions = {}) {}

  /** Counts one more failure of `key` and returns how long to wait before retrying it. */
  next(key: string): number {
    const n = this.failuresByKey.get(key) ?? 0;
    this.failuresByKey.set(key, n + 1);
    return backoffDelay(n, this.opts);
  }

  failures(key: string): number {
    return this.failuresByKey.get(key) ?? 0;
  }

  /** Success: the next failure starts again at the base delay. */
  reset(key: string): void {
    this.failuresByKey.delete(key);
  }
}
