/**
 * The appliance's three services through its transport: planned (observed and diffed, reading
 * only), then each applied whole from the desired model, or only reported when one of its
 * differences was held by the drift policy. Each becomes a condition (`DnsmasqReady`,
 * `NftablesReady`, `CaddyReady`), drift items, actions and warning events. A service that fails
 * does not stop the others: each reports on its own. The lease file is read last (actual addresses
 * of DHCP members).
 */
import type { Clock } from '../../core/clock.js';
import { PxrError, TerminalError } from '../../core/errors.js';
import type { Condition, DriftItem, ObjectEvent } from '../../core/kind.js';
import type { ApplianceDesired } from '../../appliance/desired.js';
import { defaultCaddyLayout, type CaddyLayout } from '../../appliance/render/caddy.js';
import {
  defaultDnsmasqLayout,
  parseLeases,
  type DnsmasqLayout,
} from '../../appliance/render/dnsmasq.js';
import { CaddyService } from '../../appliance/services/caddy.js';
import { DnsmasqService } from '../../appliance/services/dnsmasq.js';
import { defaultNftLayout, NftService, type NftLayout } from '../../appliance/services/nftables.js';
import type {
  ApplianceService,
  DriftItem as ServiceDrift,
  ServiceName,
  ServiceReport,
} from '../../appliance/services/types.js';
import type { Transport } from '../../appliance/transport/types.js';

/** Where things live inside the appliance; tests (network namespaces) move them. */
export interface ServiceLayouts {
  dnsmasq?: Partial<DnsmasqLayout>;
  /** How to restart dnsmasq under a supervisor; absent = pxr runs it. */
  dnsmasqRestartArgv?: string[];
  nft?: Partial<NftLayout>;
  caddy?: Partial<CaddyLayout>;
  /** Address Caddy's routes are probed at. @default '127.0.0.1' */
  probeAddress?: string;
  /** Folder in the appliance for the certificates Caddy serves (Certificate kind). @default '/etc/caddy/pxr-certs' */
  certDir?: string;
}

type Cond = Omit<Condition, 'lastTransitionTime'>;

export interface ServicesResult {
  conditions: Cond[];
  /** What differed before this pass (all of it: the caller decides whether it is drift). */
  differences: DriftItem[];
  actions: string[];
  events: ObjectEvent[];
  /** Every service converged and read back equal. */
  converged: boolean;
  /** Some service failed in a way a retry may fix (unreachable, timeout). */
  retryable: boolean;
  /** MAC (lower-case) → leased address, from the lease file. */
  leases: Record<string, string>;
}

const CONDITION: Record<ServiceName, string> = {
  dnsmasq: 'DnsmasqReady',
  nftables: 'NftablesReady',
  caddy: 'CaddyReady',
};

export function buildServices(
  t: Transport,
  clock: Clock,
  adminListen: string,
  layouts: ServiceLayouts = {},
): { services: ApplianceService<unknown>[]; dnsmasqLayout: DnsmasqLayout } {
  const dnsmasqLayout = { ...defaultDnsmasqLayout, ...(layouts.dnsmasq ?? {}) };
  const services: ApplianceService<unknown>[] = [
    new DnsmasqService({
      transport: t,
      layout: dnsmasqLayout,
      clock,
      ...(layouts.dnsmasqRestartArgv ? { restartArgv: layouts.dnsmasqRestartArgv } : {}),
    }),
    new NftService({
      transport: t,
      layout: { ...defaultNftLayout, ...(layouts.nft ?? {}) },
    }),
    new CaddyService({
      transport: t,
      layout: { ...defaultCaddyLayout, adminListen, ...(layouts.caddy ?? {}) },
      ...(layouts.probeAddress ? { probeAddress: layouts.probeAddress } : {}),
    }),
  ];
  return { services, dnsmasqLayout };
}

function toDrift(items: readonly ServiceDrift[]): DriftItem[] {
  return items.map((d) => ({
    field: d.field,
    desired: d.desired ?? null,
    actual: d.actual ?? null,
  }));
}

function fieldsOf(items: readonly ServiceDrift[]): string {
  const names = items.map((d) => d.field);
  return names.length <= 4
    ? names.join(', ')
    : `${names.slice(0, 4).join(', ')} and ${names.length - 4} more`;
}

/** What planning read of one service: its observed state (or why it could not be read). */
export interface ServicePlan {
  observed?: unknown;
  error?: unknown;
  /** What differs now (empty: converged). */
  drift: ServiceDrift[];
}

/** Observes and diffs every service (reads only). A service that cannot be read plans nothing. */
export async function planServices(
  services: readonly ApplianceService<unknown>[],
  desired: ApplianceDesired,
): Promise<Map<ServiceName, ServicePlan>> {
  const out = new Map<ServiceName, ServicePlan>();
  // One after another, as apply runs them: one transport, never a burst of sessions.
  for (const svc of services) {
    try {
      const observed = await svc.observe();
      out.set(svc.name, { observed, drift: svc.diff(desired, observed) });
    } catch (error) {
      out.set(svc.name, { error, drift: [] });
    }
  }
  return out;
}

/**
 * Applies every service whose differences were all admitted (a service writes its files whole, so
 * one held or ignored difference keeps the whole service as it is: it is only reported).
 */
export async function runServices(
  services: readonly ApplianceService<unknown>[],
  desired: ApplianceDesired,
  plans: ReadonlyMap<ServiceName, ServicePlan>,
  admitted: (d: ServiceDrift) => boolean,
): Promise<Omit<ServicesResult, 'leases'> & { held: boolean }> {
  const out: Omit<ServicesResult, 'leases'> & { held: boolean } = {
    conditions: [],
    differences: [],
    actions: [],
    events: [],
    converged: true,
    retryable: false,
    held: false,
  };
  for (const svc of services) {
    const type = CONDITION[svc.name];
    const plan = plans.get(svc.name);
    const observeOnly = plan !== undefined && !plan.drift.every(admitted);
    if (observeOnly) out.held = true;
    try {
      let report: ServiceReport;
      if (observeOnly) {
        const drift = plan.drift;
        report = { service: svc.name, drift, actions: [], remaining: drift, warnings: [] };
      } else {
        report = await svc.apply(desired, plan?.error === undefined ? plan?.observed : undefined);
      }
      out.differences.push(...toDrift(report.drift));
      out.actions.push(...report.actions.map((a) => `${svc.name}: ${a}`));
      for (const w of report.warnings) out.events.push({ type: 'Warning', ...w });
      if (report.remaining.length === 0) {
        out.conditions.push({ type, status: 'True', reason: 'Converged', message: '' });
      } else {
        out.converged = false;
        out.conditions.push({
          type,
          status: 'False',
          reason: observeOnly ? 'Drifted' : 'NotConverged',
          message: `${observeOnly ? 'differs' : 'still differs after apply'}: ${fieldsOf(report.remaining)}`,
        });
      }
    } catch (err) {
      out.converged = false;
      const terminal = err instanceof TerminalError;
      if (!terminal) out.retryable = true;
      const reason = terminal ? err.reason : err instanceof PxrError ? err.code : 'ServiceError';
      const message = err instanceof Error ? err.message : String(err);
      out.conditions.push({ type, status: 'False', reason, message });
      out.events.push({ type: 'Warning', reason, message: `${svc.name}: ${message}` });
    }
  }
  return out;
}

/** The lease file as MAC → address (sorted keys: the same leases make the same status record). */
export async function readLeases(
  t: Transport,
  layout: DnsmasqLayout,
  now: number,
): Promise<Record<string, string>> {
  const leases = parseLeases((await t.readFile(layout.leaseFile)) ?? '')
    // expiry 0 = infinite lease
    .filter((l) => l.expiresAt === 0 || l.expiresAt > now)
    .sort((a, b) => a.mac.localeCompare(b.mac));
  const out: Record<string, string> = {};
  for (const l of leases) out[l.mac] = l.ip;
  return out;
}
