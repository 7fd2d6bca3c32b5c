/**
 * A stand-in for the runtime around the Issuer and Certificate reconcilers: status per object kept
 * the way the controller keeps it (observed replaced by outcomes, Ready when no error and not
 * notReady), passes run through the runtime's own plan → admit → apply (planAndApply), objects and
 * their statuses visible to each other through the reader (the Certificate reads its Issuer).
 */
import pino from 'pino';
import type { ManualClock } from '../../../src/core/clock.js';
import type {
  ObjectOutcome,
  ObjectPlan,
  ReconcileContext,
  Reconciler,
  StoredObject,
} from '../../../src/core/kind.js';
import { planAndApply } from '../../../src/core/plan-apply.js';
import type { CertificateSpec } from '../../../src/kinds/certificate/schema.js';
import type { IssuerSpec } from '../../../src/kinds/issuer/schema.js';

interface Status {
  ready: boolean;
  observed: Record<string, unknown>;
  observedGeneration: number;
}

let uid = 0;

export function issuerObj(name: string, spec: IssuerSpec): StoredObject<IssuerSpec> {
  return obj('Issuer', name, spec);
}

export function certObj(
  name: string,
  spec: Partial<CertificateSpec>,
  annotations: Record<string, string> = {},
): StoredObject<CertificateSpec> {
  return {
    ...obj('Certificate', name, {
      issuerRef: { name: 'ca', kind: 'Issuer' },
      dnsNames: [],
      ipAddresses: [],
      duration: '2160h',
      privateKey: { algorithm: 'ECDSA', rotationPolicy: 'Always' },
      targets: { node: { name: 'pve' }, files: [] },
      ...spec,
    }),
    annotations,
  };
}

function obj<S>(kind: string, name: string, spec: S): StoredObject<S> {
  return {
    kind,
    name,
    uid: `uid-${name}-${++uid}`,
    generation: 1,
    specHash: 'h',
    spec,
    labels: {},
    annotations: {},
    sourceFile: `${name}.yaml`,
    deletionRequested: false,
    finalizers: [],
  };
}

export class Harness {
  readonly status = new Map<string, Status>();
  readonly objects = new Map<string, StoredObject>();
  constructor(private readonly clock: ManualClock) {}

  private key(kind: string, name: string): string {
    return `${kind}/${name}`;
  }

  ctx(objs: StoredObject[]): ReconcileContext {
    for (const o of objs) this.objects.set(this.key(o.kind, o.name), o);
    const kind = objs[0]?.kind ?? '';
    return {
      log: pino({ level: 'silent' }),
      clock: this.clock,
      reconcileId: 'test',
      signal: new AbortController().signal,
      getStatus: (ref) => {
        const st = this.status.get(this.key(ref.kind, ref.name));
        return st && { ...st, conditions: [] };
      },
      get: (ref) => this.objects.get(this.key(ref.kind, ref.name)),
      list: (k) => [...this.objects.values()].filter((o) => o.kind === k),
      observed: this.status.get(this.key(kind, objs[0]?.name ?? ''))?.observed ?? {},
      observedOf: (name) => this.status.get(this.key(kind, name))?.observed ?? {},
    };
  }

  /** One pass of one object through plan → admit → apply; status recorded like the runtime. */
  async pass<S>(rec: Reconciler<S>, o: StoredObject<S>): Promise<ObjectOutcome | Error> {
    const r = await planAndApply(rec, this.ctx([o as StoredObject]), [o]);
    const v = r.get(o.name)!;
    const k = this.key(o.kind, o.name);
    const st = this.status.get(k) ?? { ready: false, observed: {}, observedGeneration: 0 };
    if (v instanceof Error) st.ready = false;
    else {
      if (v.observed) st.observed = v.observed;
      st.ready = !v.notReady;
      if (!v.notReady) st.observedGeneration = o.generation;
    }
    this.status.set(k, st);
    return v;
  }

  /** What `pxr diff` sees: the plan only. */
  async plan<S>(rec: Reconciler<S>, o: StoredObject<S>): Promise<ObjectPlan | Error> {
    const r = await rec.plan(this.ctx([o as StoredObject]), [o]);
    return r.get(o.name)!;
  }
}

export function outcome(v: ObjectOutcome | Error | undefined): ObjectOutcome {
  if (!v || v instanceof Error) {
    throw new Error(`expected an outcome, got ${v instanceof Error ? v.message : String(v)}`);
  }
  return v;
}
