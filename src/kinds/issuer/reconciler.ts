/**
 * Issuer reconciler (observe → plan → apply, one object per pass). `selfSigned` has nothing to do;
 * `acme` registers its account (acme/issuer-acme.ts).
 * `ca` without files: plan finds pxr's CA under the data directory or plans to create it; apply
 * writes the key first (0600), then the certificate, so a crash in between reuses the key instead of
 * orphaning a certificate. `ca` with files: plan checks they form a CA. Ready means "can sign":
 * an unreadable, mismatched or expired CA fails the pass (retried with backoff, Warning event).
 * Deleting an Issuer keeps its CA files: certificates it signed stay verifiable, and re-creating
 * the Issuer picks the same CA up again.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { eachObject } from '../../core/each-object.js';
import { PxrError } from '../../core/errors.js';
import type {
  AdmittedPlan,
  ObjectOutcome,
  ObjectPlan,
  PlanContext,
  ReconcileContext,
  Reconciler,
  StoredObject,
} from '../../core/kind.js';
import { caPaths, checkCa, loadSigner, type Signer } from './ca-source.js';
import { parseCertDuration } from './duration.js';
import { createCaCert, describeKey, generateKey, keySize } from './pki.js';
import { readPrivateFile, writePrivateFile } from './private-files.js';
import { applyAcme, planAcme } from './acme/issuer-acme.js';
import type { IssuerSpec } from './schema.js';

export interface IssuerReconcilerDeps {
  /** pxr's data directory (beside the database); CA files live below it. */
  dataDir?: string;
}

type Obj = StoredObject<IssuerSpec>;

/** Status facts of a signer (no key material: subject, fingerprint, validity). */
export function signerObserved(s: Signer): Record<string, unknown> {
  if (s.type === 'selfSigned') return { type: 'selfSigned' };
  if (s.type === 'acme') return { type: 'acme', server: s.acme.server };
  return {
    type: 'ca',
    subject: s.cert.subject.replace(/\n/g, ', '),
    fingerprint: s.fingerprint,
    notAfter: new Date(s.cert.validTo).toISOString(),
    keyAlgorithm: describeKey(s.cert.publicKey).algorithm,
  };
}

export function createIssuerReconciler(deps: IssuerReconcilerDeps): Reconciler<IssuerSpec> {
  const { dataDir } = deps;

  async function planOne(ctx: PlanContext, o: Obj): Promise<ObjectPlan> {
    if (o.spec.acme) return planAcme(ctx, o.spec.acme, dataDir, o.name);
    const signer = await loadSigner(dataDir, o.name, o.spec);
    if (signer) {
      if (signer.type === 'ca' && Date.parse(signer.cert.validTo) <= ctx.clock.now()) {
        throw new PxrError(
          'CA_EXPIRED',
          `the CA certificate expired at ${new Date(signer.cert.validTo).toISOString()}`,
        );
      }
      return { changes: [], state: signer };
    }
    const paths = caPaths(dataDir, o.name);
    const key = o.spec.ca?.privateKey ?? { algorithm: 'ECDSA' as const };
    return {
      changes: [
        {
          field: 'ca',
          desired: `CA (${key.algorithm} ${keySize(key)})`,
          calls: [`write ${paths.key} (0600)`, `write ${paths.cert}`],
          drift: false,
        },
      ],
    };
  }

  async function createCa(ctx: ReconcileContext, o: Obj): Promise<Signer> {
    const ca: Partial<NonNullable<IssuerSpec['ca']>> = o.spec.ca ?? {};
    const paths = caPaths(dataDir, o.name);
    const keySpec = ca.privateKey ?? { algorithm: 'ECDSA' as const };
    // A key without a certificate: the last pass stopped between the two writes; reuse it.
    let key = await readPrivateFile(paths.key);
    if (key === undefined || describeKey(createPrivateKey(key)).algorithm !== keySpec.algorithm) {
      key = await generateKey({
        algorithm: keySpec.algorithm ?? 'ECDSA',
        ...(keySpec.size ? { size: keySpec.size } : {}),
      });
      await writePrivateFile(paths.key, key);
    }
    const now = ctx.clock.now();
    const lifetime = parseCertDuration(ca.duration ?? '87600h') ?? 87_600 * 3_600_000;
    const cert = await createCaCert(key, `CN=${ca.commonName ?? `pxr CA ${o.name}`}`, {
      // A minute back: a peer whose clock lags a little still accepts the CA.
      notBefore: new Date(Math.floor(now / 1000) * 1000 - 60_000),
      notAfter: new Date(Math.floor((now + lifetime) / 1000) * 1000),
    });
    await writePrivateFile(paths.cert, cert);
    return checkCa({ cert, key }, paths.cert);
  }

  async function applyOne(
    ctx: ReconcileContext,
    o: Obj,
    p: AdmittedPlan | undefined,
  ): Promise<ObjectOutcome> {
    if (o.spec.acme && p) return applyAcme(ctx, o.spec.acme, dataDir, o.name, p);
    let signer = p?.state as Signer | undefined;
    const outcome: ObjectOutcome = {};
    if (!signer && p?.changes.some((c) => c.field === 'ca')) {
      signer = await createCa(ctx, o);
      outcome.actions = [`created CA ${signerObserved(signer)['fingerprint'] as string}`];
      outcome.events = [
        {
          type: 'Normal',
          reason: 'CACreated',
          message: `created CA ${String(signerObserved(signer)['subject'])} (SHA-256 ${signer.type === 'ca' ? signer.fingerprint : ''})`,
        },
      ];
    }
    if (!signer) return { notReady: { reason: 'NoCA', message: 'the CA is not created yet' } };
    outcome.observed = signerObserved(signer);
    if (signer.type === 'ca') {
      // Wake up when the CA expires, so Ready turns False then (capped: timers are 32-bit).
      const left = Date.parse(new X509Certificate(signer.pair.cert).validTo) - ctx.clock.now();
      outcome.requeueAfterMs = Math.max(1000, Math.min(left, 3_600_000));
    }
    return outcome;
  }

  return {
    groupKey: (o) => o.name,
    plan: (ctx, objs) => eachObject(objs, (o) => planOne(ctx, o)),
    apply: (ctx, objs, plans) => eachObject(objs, (o) => applyOne(ctx, o, plans.get(o.name))),
    finalize: (_ctx, objs) => Promise.resolve(new Map(objs.map((o) => [o.name, 'done' as const]))),
  };
}
