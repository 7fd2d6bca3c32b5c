/**
 * A keyed work queue with client-go semantics, on p-queue for the concurrency cap:
 * - stingy: a key waiting to be processed is queued once, however many times it is added;
 * - a key is never processed by two workers at once;
 * - a key added while it is being processed is marked dirty and queued again when processing ends.
 * Delayed adds (`addAfter`, `addRateLimited`) run on the injected Clock. A run supersedes the
 * delayed add of its key scheduled before it: each pass ends by scheduling what it still needs
 * (its requeue or its retry), so the older timer would only cause a pass that finds nothing to do.
 */
import PQueue from 'p-queue';
import type { Clock } from './clock.js';
import { Backoff, type BackoffOptions } from './backoff.js';

export interface WorkQueueOptions {
  clock: Clock;
  /** Processes one key. Errors are reported to `onError`; the queue never stops on them. */
  handler: (key: string) => Promise<void>;
  onError: (key: string, err: unknown) => void;
  /** Keys processed at the same time. @default 4 */
  concurrency?: number;
  backoff?: BackoffOptions;
  /** Start processing at once; otherwise keys accumulate until `start()`. @default true */
  autoStart?: boolean;
}

export class WorkQueue {
  private readonly pq: PQueue;
  /** Keys that need processing (queued, or re-added while processing). */
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  /** Delayed adds: key → fire time and cancel. Only the earliest per key is kept. */
  private readonly waiting = new Map<string, { at: number; cancel: () => void }>();
  private readonly backoff: Backoff;
  private shuttingDown = false;

  constructor(private readonly opts: WorkQueueOptions) {
    this.pq = new PQueue({ concurrency: opts.concurrency ?? 4, autoStart: opts.autoStart ?? true });
    this.backoff = new Backoff(opts.backoff);
  }

  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return; // queued again when the current run ends
    this.push(key);
  }

  /** Adds `key` after `ms` on the clock; an earlier pending delayed add of the same key wins. */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const at = this.opts.clock.now() + ms;
    const cur = this.waiting.get(key);
    if (cur && cur.at <= at) return;
    cur?.cancel();
    const cancel = this.opts.clock.setTimer(ms, () => {
      this.waiting.delete(key);
      this.add(key);
    });
    this.waiting.set(key, { at, cancel });
  }

  /** Adds `key` after its next backoff delay; returns the delay. */
  addRateLimited(key: string, atLeastMs = 0): number {
    const delay = Math.max(this.backoff.next(key), atLeastMs);
    this.addAfter(key, delay);
    return delay;
  }

  /** Stops tracking failures of `key` (call after a success). */
  forget(key: string): void {
    this.backoff.reset(key);
  }

  failures(key: string): number {
    return this.backoff.failures(key);
  }

  start(): void {
    this.pq.start();
  }

  /** Keys waiting to be processed (not counting those being processed or delayed). */
  get depth(): number {
    return this.pq.size;
  }

  get inFlight(): number {
    return this.processing.size;
  }

  /** Delayed adds not yet due. */
  get delayed(): number {
    return this.waiting.size;
  }

  isProcessing(key: string): boolean {
    return this.processing.has(key);
  }

  /** Resolves when nothing is queued or being processed (delayed adds are not waited for). */
  onIdle(): Promise<void> {
    return this.pq.onIdle();
  }

  /**
   * Stops taking keys: drops queued and delayed ones and resolves when running handlers finish, or
   * `false` after `timeoutMs` on the clock if some are still running.
   */
  async shutdown(timeoutMs: number): Promise<boolean> {
    this.shuttingDown = true;
    for (const w of this.waiting.values()) w.cancel();
    this.waiting.clear();
    this.pq.clear();
    for (const k of this.dirty) if (!this.processing.has(k)) this.dirty.delete(k);
    if (this.processing.size === 0) return true;
    let cancel: () => void = () => undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      cancel = this.opts.clock.setTimer(timeoutMs, () => resolve(false));
    });
    const drained = this.pq.onPendingZero().then(() => true);
    const r = await Promise.race([drained, timedOut]);
    cancel();
    return r;
  }

  private push(key: string): void {
    this.pq.add(() => this.run(key)).catch((err: unknown) => this.opts.onError(key, err));
  }

  private async run(key: string): Promise<void> {
    this.waiting.get(key)?.cancel();
    this.waiting.delete(key);
    this.dirty.delete(key);
    this.processing.add(key);
    try {
      await this.opts.handler(key);
    } catch (err) {
      this.opts.onError(key, err);
    } finally {
      this.processing.delete(key);
      if (this.dirty.has(key) && !this.shuttingDown) this.push(key);
    }
  }
}
