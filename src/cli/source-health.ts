/**
 * Whether the manifests folder can be read. A failed read (folder unlistable, root replaced by a file)
 * keeps the last snapshot in force, which is safe but silent: it is made visible as a Warning event on
 * `Source/manifests` (deduplicated by message: a failure that repeats bumps the count), a metric, and
 * `/readyz` answering not ready until a read succeeds again.
 */
import type { Clock } from '../core/clock.js';
import { PxrError } from '../core/errors.js';
import { SOURCE_REF } from '../core/ingest.js';
import type { Store } from '../store/store.js';

export const SOURCE_UNREADABLE_REASON = 'SourceUnreadable';
export const SOURCE_RECOVERED_REASON = 'SourceRecovered';

export class SourceHealth {
  private failing: string | undefined;
  private errors = 0;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  /** A whole read succeeded (a snapshot was delivered). */
  ok(): void {
    if (this.failing === undefined) return;
    this.store.events.record(
      SOURCE_REF,
      {
        type: 'Normal',
        reason: SOURCE_RECOVERED_REASON,
        message: `manifests folder readable again (was: ${this.failing})`,
      },
      this.clock.now(),
    );
    this.failing = undefined;
  }

  /**
   * A read or the watcher failed. Only a failed read makes the source failing (not ready): a watcher
   * error leaves reads working, so it is an event and a count, nothing more.
   */
  failed(err: Error): void {
    this.errors++;
    const message = describe(err);
    const isRead = err instanceof PxrError && err.code === 'SOURCE_UNREADABLE';
    if (isRead) this.failing = message;
    this.store.events.record(
      SOURCE_REF,
      { type: 'Warning', reason: isRead ? SOURCE_UNREADABLE_REASON : 'SourceWatchError', message },
      this.clock.now(),
    );
  }

  /** Why the source is failing now, or undefined when the last read succeeded. */
  failure(): string | undefined {
    return this.failing;
  }

  metrics(): { up: boolean; errors: number } {
    return { up: this.failing === undefined, errors: this.errors };
  }
}

/** `cannot list sub in /m: EACCES`: the error and the errno (or message) of its cause. */
function describe(err: Error): string {
  const cause = err.cause as NodeJS.ErrnoException | undefined;
  const why = cause === undefined ? undefined : (cause.code ?? cause.message);
  return why === undefined ? err.message : `${err.message}: ${why}`;
}
