/**
 * One log line when everything has converged ("11 objects Ready in 23 s") and one when that stops
 * being true (naming what is not Ready), instead of a line per pass. Kept incrementally from status
 * changes, so a sweep of thousands of objects costs nothing extra.
 */
import type { Logger } from 'pino';
import type { Clock } from './clock.js';
import type { ObjectRef } from './kind.js';

export class ConvergenceLog {
  private readonly notReady = new Map<string, ObjectRef>();
  private readonly all = new Set<string>();
  private converged = false;
  private since: number;

  constructor(
    private readonly log: Logger,
    private readonly clock: Clock,
  ) {
    this.since = clock.now();
  }

  /** The object's readiness now (called on ingest and whenever its status changed). */
  set(ref: ObjectRef, ready: boolean): void {
    this.note(ref, ready);
    this.report();
  }

  /**
   * Several objects at once (a snapshot's), reported once: on a restart every kept object is
   * already Ready, and reporting after each would log "all 1 objects Ready" for the first.
   */
  setMany(entries: Iterable<[ObjectRef, boolean]>): void {
    for (const [ref, ready] of entries) this.note(ref, ready);
    this.report();
  }

  private note(ref: ObjectRef, ready: boolean): void {
    const key = `${ref.kind}/${ref.name}`;
    this.all.add(key);
    if (ready) this.notReady.delete(key);
    else this.notReady.set(key, { kind: ref.kind, name: ref.name });
  }

  remove(ref: ObjectRef): void {
    const key = `${ref.kind}/${ref.name}`;
    this.all.delete(key);
    this.notReady.delete(key);
    this.report();
  }

  private report(): void {
    const done = this.notReady.size === 0 && this.all.size > 0;
    if (done === this.converged) return;
    this.converged = done;
    const now = this.clock.now();
    if (done) {
      const secs = Math.round((now - this.since) / 100) / 10;
      this.log.info(
        { ready: this.all.size, seconds: secs },
        `all ${this.all.size} objects Ready in ${secs} s`,
      );
    } else {
      const names = [...this.notReady.keys()];
      this.log.info(
        { notReady: names.length, objects: names.slice(0, 10) },
        `${names.length} of ${this.all.size} objects not Ready: ${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''}`,
      );
    }
    this.since = now;
  }
}
