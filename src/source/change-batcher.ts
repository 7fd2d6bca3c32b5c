/**
 * Turns a stream of file-change notifications into debounced batches, run one at a time. A burst of
 * events (a git checkout touching 500 files) becomes one re-read; an event that arrives while a batch
 * runs makes exactly one more batch afterwards. All timing is on the injected {@link Clock}.
 */
import type { Clock } from '../core/clock.js';
import { toError } from '../core/errors.js';

export interface ChangeBatcherOptions {
  clock: Clock;
  /** Quiet time after the last event before a batch runs. @default 300 */
  debounceMs?: number;
  /** Longest a batch waits after its first event, so a constant trickle still gets read. @default 2000 */
  maxWaitMs?: number;
  /** Handles one batch: the paths (or reasons) notified since the previous batch. */
  run(batch: ReadonlySet<string>): Promise<void>;
  /** Called with whatever `run` throws; the batcher keeps going. */
  onError(err: Error): void;
}

export class ChangeBatcher {
  private readonly debounceMs: number;
  private readonly maxWaitMs: number;
  private pending = new Set<string>();
  private firstAt: number | undefined;
  private cancelTimer: (() => void) | undefined;
  private running: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly opts: ChangeBatcherOptions) {
    this.debounceMs = opts.debounceMs ?? 300;
    this.maxWaitMs = opts.maxWaitMs ?? 2000;
  }

  /** Records a change; the batch runs once things have been quiet for `debounceMs`. */
  notify(what: string): void {
    if (this.closed) return;
    this.pending.add(what);
    if (this.running) return; // the running batch reschedules when it ends
    const now = this.opts.clock.now();
    this.firstAt ??= now;
    const at = Math.min(now + this.debounceMs, this.firstAt + this.maxWaitMs);
    this.arm(at - now);
  }

  /** Runs a batch now (after the one in flight, if any) and resolves when it has finished. */
  async flush(what: string): Promise<void> {
    this.pending.add(what);
    while (this.running) await this.running;
    if (this.closed || this.pending.size === 0) return;
    await this.start();
  }

  /** Whether a batch is waiting or running. */
  busy(): boolean {
    return this.running !== undefined || this.cancelTimer !== undefined;
  }

  /** Stops scheduling; resolves when the batch in flight (if any) has finished. */
  async close(): Promise<void> {
    this.closed = true;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    while (this.running) await this.running;
  }

  private arm(ms: number): void {
    this.cancelTimer?.();
    this.cancelTimer = this.opts.clock.setTimer(Math.max(0, ms), () => {
      this.cancelTimer = undefined;
      if (!this.running) void this.start();
    });
  }

  private start(): Promise<void> {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    const batch = this.pending;
    this.pending = new Set();
    this.firstAt = undefined;
    const run = (async (): Promise<void> => {
      try {
        await this.opts.run(batch);
      } catch (err) {
        this.opts.onError(toError(err));
      }
    })();
    this.running = run.finally(() => {
      this.running = undefined;
      if (this.pending.size > 0 && !this.closed) {
        this.firstAt = this.opts.clock.now();
        this.arm(this.debounceMs);
      }
    });
    return this.running;
  }
}
