/**
 * What every appliance service reports. A service renders its whole config from desired state,
 * observes what is there, diffs the two purely, and applies only the difference; the drift items
 * (what differed before the apply) are what the Appliance kind records as drift.
 */
import type { ApplianceDesired } from '../desired.js';

export type ServiceName = 'dnsmasq' | 'nftables' | 'caddy';

export interface DriftItem {
  service: ServiceName;
  /** A stable name of what differs: `dnsmasq.hosts/web`, `caddy.routes[pxr-web.example.test]`. */
  field: string;
  /** Undefined = should not exist. */
  desired: string | undefined;
  /** Undefined = does not exist. */
  actual: string | undefined;
}

export interface ServiceReport {
  service: ServiceName;
  /** What differed before this apply (empty when it was already converged). */
  drift: DriftItem[];
  /** What the apply did, in order (`wrote /etc/pxr/dnsmasq.conf`, `restart`, `SIGHUP`, `nft -f`). */
  actions: string[];
  /** What still differs after the apply when read back; empty = converged. */
  remaining: DriftItem[];
  /** Things that are not drift but need a person: a route that does not answer. */
  warnings: Array<{ reason: string; message: string }>;
}

/**
 * One service of the appliance. `diff` is pure; `apply` observes, diffs, checks the new config with
 * the daemon's own validator, changes only what differs, then observes again to confirm.
 */
export interface ApplianceService<Observed> {
  readonly name: ServiceName;
  observe(): Promise<Observed>;
  diff(desired: ApplianceDesired, observed: Observed): DriftItem[];
  /** `observed`: what `observe` returned just before (a plan's read), to skip reading again. */
  apply(desired: ApplianceDesired, observed?: Observed): Promise<ServiceReport>;
}

/** Lines of `a` not in `b` (order kept), for drift items that name only what changed in a file. */
export function linesMissing(a: string | undefined, b: string | undefined): string {
  const have = new Set((b ?? '').split('\n'));
  return (a ?? '')
    .split('\n')
    .filter((l) => l !== '' && !have.has(l))
    .join('\n');
}
