/**
 * Certificate reconciler (observe → plan → apply, one object per pass).
 *
 * plan (reads only): the stored certificate (stored.ts), the Issuer's signer, what each target
 * serves (targets/: one module per target kind behind one interface). Changes:
 *  - `certificate`: issue, when there is none, it is expired, inside its renewal window, or the
 *    names, key parameters, duration or issuer changed (decide.ts). Never drift: time passing or a spec edit.
 *  - one per target (`targets.node`, ...): install, when the place serves another certificate than
 *    the stored one. Drift when pxr had installed the stored one at that very place (someone
 *    replaced it by hand), so `pxr/drift` decides; otherwise (a pass that stopped between issuing
 *    and installing, a new target) it is plain work. A place with a reload command whose last
 *    reload has not succeeded (reload-pending.ts) is installed again, reload included.
 * apply: issue → store durably (one atomic 0600 file) → install to every target → read each back;
 * a mismatch after our own install is an error (retried with backoff), never silently Ready.
 * Status: issuer, duration (asked of the last issuance), serial, fingerprint, notBefore, notAfter, renewalTime (ISO), and per target
 * (`targets`, by field) its place and the fingerprint last installed there. Ready is False from
 * notAfter on, whatever else happens; the
 * object is re-queued for its renewal time and its expiry (capped at an hour; timers are 32-bit).
 * Failures are the runtime's: Warning event and exponential backoff (capped), which a spec change
 * skips. Every pass, failed ones too, reports the expiry alerts of the certificate it leaves
 * (decide.ts: overdue from renewalTime + grace, expired from notAfter; resolved once renewed). Deleting a Certificate leaves what its targets serve in place (removing the node's would
 * make the node serve its self-signed one unannounced) and keeps the stored file.
 */
import type {
  AdmittedPlan,
  ObjectOutcome,
  ObjectPlan,
  PlanContext,
  PlannedChange,
  ReconcileContext,
  Reconciler,
  StoredObject,
} from '../../core/kind.js';
import { eachObject } from '../../core/each-object.js';
import { toError } from '../../core/errors.js';
import { asRecord } from '../../core/records.js';
import type { PveClient } from '../../pve/types.js';
import type { ApplianceReach } from '../appliance/reach.js';
import { loadSigner, type Signer } from '../issuer/ca-source.js';
import { parseCertDuration } from '../issuer/duration.js';
import { generateKey, signLeaf } from '../issuer/pki.js';
import { issueWithAcme } from './acme-issue.js';
import {
  expiryAlerts,
  issuerIdentity,
  issueReason,
  keyMatchesSpec,
  overdueGraceMs,
  renewBeforeTooLong,
  renewalTime,
  subjectName,
} from './decide.js';
import type { CertificateSpec } from './schema.js';
import { readStored, storedPath, writeStored, type StoredCert } from './stored.js';
import { markReload, pendingReloads } from './reload-pending.js';
import { renewalRequested } from './renew-request.js';
import type { ContainerTransports } from './targets/container-transport.js';
import { placesOf, targetModules, type CertTarget } from './targets/index.js';

export interface CertificateReconcilerDeps {
  pve: PveClient;
  /** pxr's data directory; the issued certificates and keys live below it. */
  dataDir?: string;
  /** Longest wait before looking again (renewal and expiry are re-checked at least this often). @default 3600000 */
  maxRequeueMs?: number;
  /**
   * How long past its renewal time an unrenewed certificate waits before the overdue alert fires.
   * @default a quarter of the renewal window, at most an hour
   */
  expiryAlertGraceMs?: number;
  /** Reaches into AppContainers for file targets (kept open between passes). */
  containerTransports?: ContainerTransports;
  /** How the appliance target and http-01 reach an Appliance's Caddy. */
  appliances?: ApplianceReach;
  /** Waits between ACME polls. @default the reconcile clock's sleep */
  acmeSleep?: (ms: number) => Promise<void>;
}

const noContainers: ContainerTransports = () =>
  Promise.reject(new Error('no way into containers was configured'));

type Obj = StoredObject<CertificateSpec>;

/** One target as plan saw it. */
interface Place {
  target: CertTarget;
  served: string | undefined;
}

interface CertRead {
  stored: StoredCert | 'unreadable' | undefined;
  signer: Signer | undefined;
  reason: string | undefined;
  places: Place[];
  prev: Record<string, unknown>;
}

/** Status per target, by field: where it is and the fingerprint pxr last saw it serve. */
interface TargetStatus {
  place: string;
  installedFingerprint?: string;
}

function prevTargets(prev: Record<string, unknown>): Record<string, TargetStatus> {
  return asRecord(prev['targets']) as Record<string, TargetStatus>;
}

export function createCertificateReconciler(
  deps: CertificateReconcilerDeps,
): Reconciler<CertificateSpec> {
  const { pve, dataDir } = deps;
  const maxRequeueMs = deps.maxRequeueMs ?? 3_600_000;
  const modules = targetModules({
    containerTransports: deps.containerTransports ?? noContainers,
    appliances: deps.appliances,
  });

  async function signerOf(ctx: PlanContext, o: Obj): Promise<Signer | undefined> {
    const ref = { kind: 'Issuer', name: o.spec.issuerRef.name };
    const issuer = ctx.get(ref);
    if (!issuer || issuer.deletionRequested || ctx.getStatus(ref)?.ready !== true) return undefined;
    try {
      return await loadSigner(dataDir, issuer.name, issuer.spec);
    } catch {
      return undefined;
    }
  }

  /** A plan that fails (a target unreachable) still tells whether the certificate is overdue or expired. */
  async function planOne(ctx: PlanContext, o: Obj): Promise<ObjectPlan<CertRead>> {
    const stored = await readStored(dataDir, o.name);
    try {
      return await planWith(ctx, o, stored);
    } catch (err) {
      const cert = typeof stored === 'object' ? stored : undefined;
      throw Object.assign(toError(err), { alerts: alertsFor(o, cert, ctx.clock.now()) });
    }
  }

  async function planWith(
    ctx: PlanContext,
    o: Obj,
    stored: StoredCert | 'unreadable' | undefined,
  ): Promise<ObjectPlan<CertRead>> {
    const prev = ctx.observedOf?.(o.name) ?? ctx.observed;
    const targets = await placesOf(modules, o, { pve, ctx });
    const signer = await signerOf(ctx, o);
    const prevIssuer = typeof prev['issuer'] === 'string' ? prev['issuer'] : undefined;
    const prevDuration = typeof prev['duration'] === 'string' ? prev['duration'] : undefined;
    const reason =
      issueReason(o.spec, stored, signer, ctx.clock.now(), prevIssuer, prevDuration) ??
      (stored === undefined ? undefined : await renewalRequested(dataDir, o.name));
    const valid = typeof stored === 'object' ? stored : undefined;
    const places: Place[] = [];
    for (const target of targets) {
      places.push({ target, served: target.waiting ? undefined : await target.observe(valid) });
    }
    const reachable = places.filter((p) => !p.target.waiting);
    const state: CertRead = { stored, signer, reason, places, prev };
    const install = (p: Place, desired: string, drift: boolean): PlannedChange => ({
      field: p.target.field,
      desired,
      ...(p.served ? { actual: p.served } : {}),
      calls: p.target.calls,
      drift,
    });
    if (reason) {
      if (!signer) {
        return {
          changes: [],
          waiting: `Issuer/${o.spec.issuerRef.name} is not ready (needed: ${reason})`,
          state,
        };
      }
      return {
        changes: [
          {
            field: 'certificate',
            desired: `issue (${reason})`,
            ...(valid
              ? {
                  actual: `serial ${valid.serial}, notAfter ${new Date(valid.notAfter).toISOString()}`,
                }
              : {}),
            calls: [
              `sign with Issuer/${o.spec.issuerRef.name}`,
              `write ${storedPath(dataDir, o.name)} (0600)`,
            ],
            drift: false,
          },
          ...reachable.map((p) => install(p, 'the new certificate', false)),
        ],
        state,
      };
    }
    if (!valid) return { changes: [], state };
    const was = prevTargets(prev);
    const pending = await pendingReloads(dataDir, o.name);
    // Files in place but their reload failed (or never ran): install again, reload included.
    const unreloaded = (p: Place): boolean =>
      p.target.reloads === true && pending.has(p.target.field);
    const changes = reachable
      .filter((p) => p.served !== valid.fingerprint || unreloaded(p))
      .map((p) => {
        if (p.served === valid.fingerprint) return install(p, `reload ${valid.fingerprint}`, false);
        // Drift only where pxr had installed this very certificate (not after a target change).
        const before = was[p.target.field];
        const ours =
          before?.place === p.target.place && before.installedFingerprint === valid.fingerprint;
        return install(p, valid.fingerprint, ours);
      });
    return { changes, state };
  }

  async function plan(ctx: PlanContext, objs: Obj[]): Promise<Map<string, ObjectPlan | Error>> {
    return eachObject(objs, (o) => planOne(ctx, o));
  }

  async function issue(
    ctx: ReconcileContext,
    o: Obj,
    read: CertRead,
    signer: Signer,
  ): Promise<StoredCert> {
    const spec = o.spec;
    const issued = {
      issuer: spec.issuerRef.name,
      issuerId: issuerIdentity(signer),
      duration: spec.duration ?? '2160h',
    };
    const old = typeof read.stored === 'object' ? read.stored : undefined;
    const reuse =
      spec.privateKey?.rotationPolicy === 'Never' && old && keyMatchesSpec(spec, old.key);
    const k = spec.privateKey ?? {};
    const key = reuse
      ? old.key
      : await generateKey({
          algorithm: k.algorithm ?? 'ECDSA',
          ...(k.size ? { size: k.size } : {}),
        });
    if (signer.type === 'acme') {
      const sleep = deps.acmeSleep ?? ((ms: number) => ctx.clock.sleep(ms, ctx.signal));
      const chain = await issueWithAcme(ctx, o, signer, key, deps.appliances, sleep);
      return writeStored(dataDir, o.name, chain, key, issued);
    }
    // X.509 times have whole seconds: truncate so that what is stored is what was asked.
    const now = Math.floor(ctx.clock.now() / 1000) * 1000;
    const lifetime = parseCertDuration(spec.duration ?? '2160h') ?? 2160 * 3_600_000;
    let notAfter = now + lifetime;
    // A certificate never outlives the CA that signed it.
    if (signer.type === 'ca') notAfter = Math.min(notAfter, Date.parse(signer.cert.validTo));
    const leaf = await signLeaf(
      {
        commonName: subjectName(spec),
        dnsNames: spec.dnsNames ?? [],
        ipAddresses: spec.ipAddresses ?? [],
        keyPem: key,
        notBefore: new Date(now),
        notAfter: new Date(notAfter),
      },
      signer.type === 'ca' ? signer.pair : undefined,
    );
    const chain = signer.type === 'ca' ? leaf + signer.pair.cert : leaf;
    return writeStored(dataDir, o.name, chain, key, issued);
  }

  /** Installs to one place and reads it back; what it serves afterwards. */
  async function installTo(o: Obj, p: Place, stored: StoredCert): Promise<string> {
    if (p.target.reloads) await markReload(dataDir, o.name, p.target.field, true);
    await p.target.install(stored);
    if (p.target.reloads) await markReload(dataDir, o.name, p.target.field, false);
    const served = await p.target.observe(stored);
    if (served !== stored.fingerprint) {
      throw new Error(
        `${p.target.place} serves ${served ?? 'no certificate'} after installing ${stored.fingerprint}`,
      );
    }
    return served;
  }

  function alertsFor(o: Obj, cert: StoredCert | undefined, now: number) {
    if (!cert) return [];
    const renewAt = renewalTime(o.spec, cert);
    return expiryAlerts(cert, renewAt, now, overdueGraceMs(cert, renewAt, deps.expiryAlertGraceMs));
  }

  /** A failed pass still tells whether the certificate it leaves is overdue or expired. */
  async function applyOne(ctx: ReconcileContext, o: Obj, p: AdmittedPlan): Promise<ObjectOutcome> {
    const kept: { cert?: StoredCert } = {};
    try {
      return await applyInner(ctx, o, p, kept);
    } catch (err) {
      throw Object.assign(toError(err), { alerts: alertsFor(o, kept.cert, ctx.clock.now()) });
    }
  }

  async function applyInner(
    ctx: ReconcileContext,
    o: Obj,
    p: AdmittedPlan,
    kept: { cert?: StoredCert },
  ): Promise<ObjectOutcome> {
    const read = p.state as CertRead;
    const now = ctx.clock.now();
    if (typeof read.stored === 'object') kept.cert = read.stored;
    if (p.waiting) {
      const expired = typeof read.stored === 'object' && now >= read.stored.notAfter;
      return {
        observed: read.prev,
        notReady: { reason: expired ? 'Expired' : 'IssuerNotReady', message: p.waiting },
        alerts: alertsFor(o, kept.cert, now),
      };
    }
    const fields = new Set(p.changes.map((c) => c.field));
    const outcome: ObjectOutcome = { actions: [], events: [] };
    let stored = typeof read.stored === 'object' ? read.stored : undefined;
    const issued = fields.has('certificate') && read.signer !== undefined;
    if (issued) {
      stored = await issue(ctx, o, read, read.signer!);
      kept.cert = stored;
      const msg = `issued serial ${stored.serial} by Issuer/${o.spec.issuerRef.name}, valid until ${new Date(stored.notAfter).toISOString()} (${read.reason ?? 'requested'})`;
      outcome.actions!.push(msg);
      // Recorded even when an install below fails: the issuance happened and is kept.
      const ev = { type: 'Normal' as const, reason: 'Issued', message: msg };
      if (ctx.recordEvent) ctx.recordEvent(o.name, ev);
      else outcome.events!.push(ev);
      const tooLong = renewBeforeTooLong(o.spec, stored);
      if (tooLong) {
        const days = ((stored.notAfter - stored.notBefore) / 86_400_000).toFixed(1);
        const warn = {
          type: 'Warning' as const,
          reason: 'RenewBeforeTooLong',
          message: `renewBefore ${tooLong} is not shorter than the issued certificate's lifetime (${days} days): renewing at a third of the lifetime instead`,
        };
        if (ctx.recordEvent) ctx.recordEvent(o.name, warn);
        else outcome.events!.push(warn);
      }
    }
    if (!stored) return { notReady: { reason: 'NotIssued', message: 'no certificate issued yet' } };
    const was = prevTargets(read.prev);
    const targets: Record<string, TargetStatus> = {};
    const waiting: string[] = [];
    for (const place of read.places) {
      const { field, place: where } = place.target;
      if (place.target.waiting) {
        waiting.push(place.target.waiting);
        if (was[field]) targets[field] = was[field];
        continue;
      }
      let served = place.served;
      if (issued || fields.has(field)) {
        served = await installTo(o, place, stored);
        const msg = `installed serial ${stored.serial} on ${where} (SHA-256 ${stored.fingerprint})`;
        outcome.actions!.push(msg);
        if (!issued) outcome.events!.push({ type: 'Normal', reason: 'Installed', message: msg });
      }
      const before = was[field]?.place === where ? was[field].installedFingerprint : undefined;
      const installed = served === stored.fingerprint ? stored.fingerprint : before;
      targets[field] = { place: where, ...(installed ? { installedFingerprint: installed } : {}) };
    }
    const renewAt = renewalTime(o.spec, stored);
    outcome.observed = {
      issuer: stored.issued?.issuer ?? o.spec.issuerRef.name,
      // What the stored certificate was asked for (kept with it): a later change of it re-issues.
      duration:
        stored.issued?.duration ??
        (issued ? (o.spec.duration ?? '2160h') : (read.prev['duration'] ?? o.spec.duration)),
      serial: stored.serial,
      fingerprint: stored.fingerprint,
      notBefore: new Date(stored.notBefore).toISOString(),
      notAfter: new Date(stored.notAfter).toISOString(),
      renewalTime: new Date(renewAt).toISOString(),
      targets,
    };
    // Wake at the renewal time, when the overdue alert is due, and at expiry.
    const grace = overdueGraceMs(stored, renewAt, deps.expiryAlertGraceMs);
    const next = Math.min(...[renewAt, renewAt + grace, stored.notAfter].filter((t) => t > now));
    outcome.requeueAfterMs = Math.max(1000, Math.min(next - now, maxRequeueMs));
    outcome.alerts = alertsFor(o, stored, now);
    if (now >= stored.notAfter) {
      outcome.notReady = {
        reason: 'Expired',
        message: `the certificate expired at ${new Date(stored.notAfter).toISOString()}`,
      };
    } else if (waiting.length > 0) {
      outcome.notReady = { reason: 'TargetNotReady', message: waiting.join('; ') };
    }
    if (outcome.actions!.length === 0) delete outcome.actions;
    if (outcome.events!.length === 0) delete outcome.events;
    return outcome;
  }

  async function apply(
    ctx: ReconcileContext,
    objs: Obj[],
    plans: ReadonlyMap<string, AdmittedPlan>,
  ): Promise<Map<string, ObjectOutcome | Error>> {
    return eachObject(objs, (o) => {
      const p = plans.get(o.name);
      return p && applyOne(ctx, o, p);
    });
  }

  return {
    groupKey: (o) => o.name,
    plan,
    apply,
    finalize: (_ctx, objs) => Promise.resolve(new Map(objs.map((o) => [o.name, 'done' as const]))),
  };
}
