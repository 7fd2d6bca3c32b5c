/**
 * Fault injection: latency and error rules per route, forced task failures, config-lock
 * contention. Rules match a route template (`/nodes/{node}/lxc/{vmid}/config`, `*` = any, a
 * trailing `*` = prefix) and a method (omitted = any). Probabilistic decisions use the simulator's
 * seeded random source, so a run is reproducible.
 */
export interface RouteMatcher {
  method?: string;
  route?: string;
}

export interface LatencyRule extends RouteMatcher {
  ms: number;
}

export interface ErrorRule extends RouteMatcher {
  status: number;
  message: string;
  /** Per-parameter texts (400 shape). */
  errors?: Record<string, string>;
  /** Chance of firing per matching request (default 1). */
  probability?: number;
  /** Fires this many times, then disappears (default unlimited). */
  count?: number;
}

export interface TaskFailureRule {
  /** Task type (`vzcreate`); omitted = any. */
  type?: string;
  /** Task id (`100`); omitted = any. */
  id?: string;
  /** Exit status text of the failed task. */
  message: string;
  count?: number;
}

export interface FaultsSnapshot {
  latency: LatencyRule[];
  errors: ErrorRule[];
  taskFailures: TaskFailureRule[];
  lockContention: string[];
}

function routeMatches(rule: RouteMatcher, method: string, route: string): boolean {
  if (rule.method !== undefined && rule.method.toUpperCase() !== method) return false;
  const r = rule.route;
  if (r === undefined || r === '*') return true;
  if (r.endsWith('*')) return route.startsWith(r.slice(0, -1));
  return r === route;
}

export class Faults {
  private latency: LatencyRule[] = [];
  private errors: ErrorRule[] = [];
  private taskFailures: TaskFailureRule[] = [];
  private readonly locked = new Set<string>();

  constructor(private readonly random: () => number) {}

  addLatency(rule: LatencyRule): void {
    this.latency.push({ ...rule });
  }

  addError(rule: ErrorRule): void {
    this.errors.push({ ...rule });
  }

  addTaskFailure(rule: TaskFailureRule): void {
    this.taskFailures.push({ ...rule });
  }

  setLockContention(vmid: number | string, on: boolean): void {
    if (on) this.locked.add(String(vmid));
    else this.locked.delete(String(vmid));
  }

  lockContention(vmid: number | string): boolean {
    return this.locked.size > 0 && this.locked.has(String(vmid));
  }

  /** Total extra latency for a request (all matching rules add up). */
  latencyFor(method: string, route: string): number {
    let ms = 0;
    for (const r of this.latency) if (routeMatches(r, method, route)) ms += r.ms;
    return ms;
  }

  /** The error rule that fires for this request, if any (consumes one of its `count`). */
  errorFor(method: string, route: string): ErrorRule | undefined {
    for (const r of this.errors) {
      if (!routeMatches(r, method, route)) continue;
      if (r.probability !== undefined && this.random() >= r.probability) continue;
      if (r.count !== undefined) {
        r.count -= 1;
        if (r.count <= 0) this.errors = this.errors.filter((x) => x !== r);
      }
      return r;
    }
    return undefined;
  }

  /** Forced failure text for a task that is ending, if a rule matches (consumes its `count`). */
  taskFailureFor(type: string, id: string): string | undefined {
    for (const r of this.taskFailures) {
      if (r.type !== undefined && r.type !== type) continue;
      if (r.id !== undefined && r.id !== id) continue;
      if (r.count !== undefined) {
        r.count -= 1;
        if (r.count <= 0) this.taskFailures = this.taskFailures.filter((x) => x !== r);
      }
      return r.message;
    }
    return undefined;
  }

  get hasRequestRules(): boolean {
    return this.latency.length > 0 || this.errors.length > 0;
  }

  snapshot(): FaultsSnapshot {
    return {
      latency: this.latency.map((r) => ({ ...r })),
      errors: this.errors.map((r) => ({ ...r })),
      taskFailures: this.taskFailures.map((r) => ({ ...r })),
      lockContention: [...this.locked],
    };
  }

  clear(): void {
    this.latency = [];
    this.errors = [];
    this.taskFailures = [];
    this.locked.clear();
  }
}
