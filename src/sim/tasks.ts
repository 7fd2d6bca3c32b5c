/**
 * Worker tasks (FACTS §6): UPIDs in Proxmox's exact format, `running` until their simulated
 * duration has passed on the sim clock, then `stopped` with `OK`, `WARNINGS: N` or the error text,
 * and a log ending in `TASK OK` / `TASK WARNINGS: N` / `TASK ERROR: msg`.
 */
import type { Clock } from '../core/clock.js';
import type { SimState } from './state.js';
import type { TaskRecord } from './tasks-state.js';
import type { TaskApi, TaskSpec } from './types.js';

export interface TaskManagerOptions {
  state: () => SimState;
  clock: Clock;
  /** Multiplies every task duration (tests use small values). */
  timeScale: number;
  /** A forced failure for this task, from the fault rules (exitstatus text), if any. */
  forcedFailure: (type: string, id: string) => string | undefined;
  touch: () => void;
}

function hex8(n: number): string {
  return (n >>> 0).toString(16).toUpperCase().padStart(8, '0');
}

export function formatUpid(t: {
  node: string;
  pid: number;
  pstart: number;
  starttime: number;
  type: string;
  id: string;
  user: string;
}): string {
  return `UPID:${t.node}:${hex8(t.pid)}:${hex8(t.pstart)}:${hex8(t.starttime)}:${t.type}:${t.id}:${t.user}:`;
}

/** PVE::Tools::upid_decode; undefined for anything that is not a UPID. */
export function parseUpid(upid: string):
  | {
      node: string;
      pid: number;
      pstart: number;
      starttime: number;
      type: string;
      id: string;
      user: string;
    }
  | undefined {
  const m =
    /^UPID:([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?):([0-9A-Fa-f]{8}):([0-9A-Fa-f]{8,9}):([0-9A-Fa-f]{8}):([^:\s]+):([^:\s]*):([^:\s]+):$/.exec(
      upid,
    );
  if (!m?.[1] || !m[3] || !m[4] || !m[5] || !m[6] || m[7] === undefined || !m[8]) return undefined;
  return {
    node: m[1],
    pid: parseInt(m[3], 16),
    pstart: parseInt(m[4], 16),
    starttime: parseInt(m[5], 16),
    type: m[6],
    id: m[7],
    user: m[8],
  };
}

export class TaskManager implements TaskApi {
  /** Callbacks of live tasks; they cannot be persisted, see {@link settle}. */
  private readonly live = new Map<string, TaskSpec>();
  private readonly timers = new Set<() => void>();
  /**
   * Earliest end time of a running task, so settle() (called on every request) costs nothing
   * until a task is due; 0 forces a scan (after the state was loaded or replaced).
   */
  private nextDue = 0;

  constructor(private readonly opts: TaskManagerOptions) {}

  start(spec: TaskSpec): string {
    const state = this.opts.state();
    const now = this.opts.clock.now();
    const node = state.nodes[spec.node];
    const pid = state.nextPid++;
    // pstart is in clock ticks (100 Hz) since the node booted, like /proc/<pid>/stat.
    const pstart = Math.floor((now - (node?.startedAt ?? now)) / 10) + 1000;
    const rec: TaskRecord = {
      upid: '',
      node: spec.node,
      pid,
      pstart,
      starttime: Math.floor(now / 1000),
      type: spec.type,
      id: spec.id,
      user: spec.caller.user,
      ...(spec.caller.tokenId !== undefined ? { tokenid: spec.caller.tokenId } : {}),
      status: 'running',
      endsAt: now + Math.max(0, Math.round(spec.durationMs * this.opts.timeScale)),
      log: [],
      ...(spec.configFlock !== undefined ? { configFlock: spec.configFlock } : {}),
    };
    rec.upid = formatUpid({ ...rec, user: spec.caller.upidUser });
    state.tasks.push(rec);
    let live = spec;
    try {
      spec.begin?.((line) => rec.log.push(line));
    } catch (err) {
      // The worker died right away: it ends now with that error.
      rec.endsAt = now;
      live = {
        ...spec,
        run: () => {
          throw err;
        },
      };
    }
    this.live.set(rec.upid, live);
    this.opts.touch();
    if (this.nextDue !== 0) this.nextDue = Math.min(this.nextDue, rec.endsAt);
    this.scheduleAt(rec.endsAt);
    return rec.upid;
  }

  /** Complete on time even when no request arrives to call settle(). */
  private scheduleAt(endsAt: number): void {
    const cancel = this.opts.clock.setTimer(Math.max(0, endsAt - this.opts.clock.now()), () => {
      this.timers.delete(cancel);
      this.settle();
    });
    this.timers.add(cancel);
  }

  /**
   * The state was loaded or replaced: rescan it, and schedule the running tasks it holds (their
   * workers are gone; they end as `unexpected status`).
   */
  reload(): void {
    this.nextDue = 0;
    for (const t of this.opts.state().tasks) {
      if (t.status === 'running' && !this.live.has(t.upid)) this.scheduleAt(t.endsAt);
    }
  }

  settle(): void {
    const now = this.opts.clock.now();
    if (this.nextDue !== 0 && now < this.nextDue) return;
    const running = this.opts.state().tasks.filter((t) => t.status === 'running');
    const due = running.filter((t) => t.endsAt <= now).sort((a, b) => a.endsAt - b.endsAt);
    for (const t of due) this.finish(t);
    let next = Infinity;
    for (const t of this.opts.state().tasks) {
      if (t.status === 'running' && t.endsAt < next) next = t.endsAt;
    }
    this.nextDue = next;
  }

  stop(upid: string): boolean {
    const t = this.opts.state().tasks.find((x) => x.upid === upid);
    if (!t || t.status !== 'running') return false;
    // The worker dies now: that is its end time (pve-manager PVE/API2/Tasks.pm stop_task kills it).
    t.endsAt = Math.min(t.endsAt, this.opts.clock.now());
    this.finish(t, 'interrupted by signal');
    return true;
  }

  private finish(t: TaskRecord, interrupted?: string): void {
    const spec = this.live.get(t.upid);
    this.live.delete(t.upid);
    const log = (line: string): void => {
      t.log.push(line);
    };
    let ok = false;
    let exit: string;
    if (interrupted !== undefined) {
      exit = interrupted;
      try {
        spec?.finally?.(false);
      } catch (err) {
        exit = (err instanceof Error ? err.message : String(err)).replace(/\n+$/, '');
      }
    } else if (!spec) {
      // The simulator restarted while the task ran: its worker is gone, like a killed pvedaemon.
      exit = 'unexpected status';
    } else {
      const forced = this.opts.forcedFailure(t.type, t.id);
      try {
        if (forced !== undefined) throw new Error(forced);
        const r = spec.run(log);
        const warnings = r && typeof r === 'object' ? (r.warnings ?? 0) : 0;
        exit = warnings > 0 ? `WARNINGS: ${warnings}` : 'OK';
        ok = true;
      } catch (err) {
        exit = (err instanceof Error ? err.message : String(err)).replace(/\n+$/, '');
      }
      try {
        spec.finally?.(ok);
      } catch (err) {
        // A failing cleanup is a failed task too, never a silent one.
        ok = false;
        exit = (err instanceof Error ? err.message : String(err)).replace(/\n+$/, '');
      }
    }
    if (exit === 'OK') t.log.push('TASK OK');
    else if (exit.startsWith('WARNINGS: ')) t.log.push(`TASK ${exit}`);
    else t.log.push(`TASK ERROR: ${exit}`);
    t.status = 'stopped';
    t.exitstatus = exit;
    this.opts.touch();
  }

  /** Cancels the completion timers (on stop). */
  dispose(): void {
    for (const cancel of this.timers) cancel();
    this.timers.clear();
  }
}
