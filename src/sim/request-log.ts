/**
 * A log of the API requests the simulator answered, so tests and benchmarks can count Proxmox
 * calls (`sim.requests.count({ method: 'GET', route: '/cluster/resources' })`). Secrets are
 * redacted before they are stored.
 */
export interface RequestEntry {
  method: string;
  /** Route template, or the raw path when no route matched. */
  route: string;
  params: Record<string, unknown>;
  status: number;
  /** On the simulator clock. */
  durationMs: number;
  /** Sim-clock ms when the request arrived. */
  at: number;
}

export interface RequestFilter {
  method?: string;
  route?: string;
  status?: number;
}

const SECRET_KEYS = /^(password|new-password|key|otp|tfa-challenge|ticket|token|secret)$/i;

/** Old entries are dropped past this size so a long-running `pxr sim` stays bounded. */
const MAX_ENTRIES = 100_000;

function redact(params: Record<string, unknown>): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  for (const k in params) {
    if (SECRET_KEYS.test(k)) {
      out ??= { ...params };
      out[k] = '***';
    }
  }
  return out ?? params;
}

function matches(e: RequestEntry, f: RequestFilter): boolean {
  return (
    (f.method === undefined || e.method === f.method.toUpperCase()) &&
    (f.route === undefined || e.route === f.route) &&
    (f.status === undefined || e.status === f.status)
  );
}

export class RequestLog {
  private entries: RequestEntry[] = [];

  record(e: RequestEntry): void {
    if (this.entries.length >= MAX_ENTRIES) this.entries = this.entries.slice(MAX_ENTRIES / 2);
    this.entries.push({ ...e, params: redact(e.params) });
  }

  count(filter: RequestFilter = {}): number {
    let n = 0;
    for (const e of this.entries) if (matches(e, filter)) n++;
    return n;
  }

  list(filter: RequestFilter = {}): RequestEntry[] {
    return this.entries.filter((e) => matches(e, filter));
  }

  clear(): void {
    this.entries = [];
  }
}
