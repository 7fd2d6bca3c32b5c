/**
 * A minimal stand-in for the runtime around the FirewallPolicy reconciler, against the simulator
 * over HTTP with the real client: status per object kept as the controller keeps it, AppContainers
 * and VirtualMachines as stored objects whose status says where they live, passes through
 * `planAndApply`.
 */
import { pino } from 'pino';
import { systemClock } from '../../../src/core/clock.js';
import type {
  Condition,
  ObjectOutcome,
  ObjectPlan,
  ReconcileContext,
  StoredObject,
} from '../../../src/core/kind.js';
import { planAndApply } from '../../../src/core/plan-apply.js';
import { createFirewallPolicyReconciler } from '../../../src/kinds/firewall-policy/reconciler.js';
import type { FirewallPolicySpec } from '../../../src/kinds/firewall-policy/spec.js';
import { createPveClient } from '../../../src/pve/client.js';
import type { PveClient } from '../../../src/pve/types.js';
import { startSim, type StartedSim } from '../../helpers/sim.js';
import { waitFor } from '../../helpers/wait.js';

export const DEBIAN = 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst';

interface Status {
  observed: Record<string, unknown>;
  observedGeneration: number;
  conditions: Condition[];
}

export function policy(
  name: string,
  spec: Partial<FirewallPolicySpec>,
  over: Partial<StoredObject<FirewallPolicySpec>> = {},
): StoredObject<FirewallPolicySpec> {
  return {
    kind: 'FirewallPolicy',
    name,
    uid: `uid-${name}`,
    generation: 1,
    specHash: 'h1',
    spec: {
      mode: 'merge',
      enforce: false,
      groups: [],
      ipsets: [],
      aliases: [],
      hosts: [],
      guests: [],
      ...spec,
    },
    labels: {},
    annotations: {},
    sourceFile: 'fw.yaml',
    deletionRequested: false,
    finalizers: [],
    ...over,
  };
}

export class FwHarness {
  readonly status = new Map<string, Status>();
  readonly containers = new Map<string, StoredObject>();
  readonly vms = new Map<string, StoredObject>();
  /** Other FirewallPolicies the store holds (as `ctx.list` shows them). */
  readonly policies = new Map<string, StoredObject<FirewallPolicySpec>>();
  readonly events: { name: string; reason: string; message: string }[] = [];
  pve: PveClient;
  rec = createFirewallPolicyReconciler({ pve: undefined as unknown as PveClient });

  private constructor(readonly s: StartedSim) {
    this.pve = this.client();
    this.rec = createFirewallPolicyReconciler({ pve: this.pve });
  }

  static async start(): Promise<FwHarness> {
    return new FwHarness(await startSim({ taskTimeScale: 0.001 }));
  }

  client(): PveClient {
    return createPveClient({
      url: this.s.url,
      tokenId: this.s.tokenId,
      tokenSecret: this.s.tokenSecret,
      clock: systemClock,
      logger: pino({ level: 'silent' }),
    });
  }

  /** Uses another client (a wrapper that edits mid-pass) for the next passes. */
  useClient(pve: PveClient): void {
    this.rec = createFirewallPolicyReconciler({ pve });
  }

  /** Creates a container in the simulator and its AppContainer object (status: vmid, node). */
  async container(
    name: string,
    vmid: number,
    labels: Record<string, string> = {},
    firewall = true,
  ): Promise<void> {
    await this.pve.post('/nodes/pve/lxc', {
      vmid,
      ostemplate: DEBIAN,
      storage: 'local-lvm',
      hostname: name,
      net0: `name=eth0,bridge=vmbr0,ip=dhcp${firewall ? ',firewall=1' : ''}`,
    });
    await waitFor(`CT ${vmid} created`, async () => {
      const c = await this.pve
        .get<Record<string, unknown>>(`/nodes/pve/lxc/${vmid}/config`)
        .catch(() => undefined);
      return c !== undefined && c['lock'] === undefined;
    });
    this.object(name, labels);
    this.status.set(`AppContainer/${name}`, {
      observed: { vmid, node: 'pve' },
      observedGeneration: 1,
      conditions: [],
    });
  }

  /**
   * Creates a VM in the simulator (`net0` on vmbr0, its address in `ipconfig0`) and its
   * VirtualMachine object (status: vmid, node).
   */
  async vm(
    name: string,
    vmid: number,
    labels: Record<string, string> = {},
    opts: { firewall?: boolean; ip?: string } = {},
  ): Promise<void> {
    await this.pve.post('/nodes/pve/qemu', {
      vmid,
      name,
      net0: `virtio,bridge=vmbr0${opts.firewall === false ? '' : ',firewall=1'}`,
      ...(opts.ip ? { ipconfig0: `ip=${opts.ip}` } : {}),
    });
    await waitFor(`VM ${vmid} created`, async () => {
      const c = await this.pve
        .get<Record<string, unknown>>(`/nodes/pve/qemu/${vmid}/config`)
        .catch(() => undefined);
      return c !== undefined && c['lock'] === undefined;
    });
    this.object(name, labels, 'VirtualMachine');
    this.status.set(`VirtualMachine/${name}`, {
      observed: { vmid, node: 'pve' },
      observedGeneration: 1,
      conditions: [],
    });
  }

  /** Only the stored object (the guest does not exist yet). */
  object(
    name: string,
    labels: Record<string, string> = {},
    kind: 'AppContainer' | 'VirtualMachine' = 'AppContainer',
  ): void {
    (kind === 'AppContainer' ? this.containers : this.vms).set(name, {
      kind,
      name,
      uid: `uid-${name}`,
      generation: 1,
      specHash: 'c',
      spec: {},
      labels,
      annotations: {},
      sourceFile: kind === 'AppContainer' ? 'cts.yaml' : 'vms.yaml',
      deletionRequested: false,
      finalizers: [],
    });
  }

  ctx(objs: StoredObject<FirewallPolicySpec>[]): ReconcileContext {
    const byName = new Map(objs.map((o) => [o.name, o]));
    const key = (kind: string, name: string): string =>
      kind === 'FirewallPolicy' ? name : `${kind}/${name}`;
    return {
      log: pino({ level: 'silent' }),
      clock: systemClock,
      reconcileId: 'test',
      signal: new AbortController().signal,
      getStatus: (ref) => {
        const st = this.status.get(key(ref.kind, ref.name));
        return st && { ready: true, ...st };
      },
      get: (ref) =>
        ref.kind === 'AppContainer'
          ? this.containers.get(ref.name)
          : ref.kind === 'VirtualMachine'
            ? this.vms.get(ref.name)
            : byName.get(ref.name),
      list: (kind, selector) => {
        const all: StoredObject[] =
          kind === 'AppContainer'
            ? [...this.containers.values()]
            : kind === 'VirtualMachine'
              ? [...this.vms.values()]
              : kind === 'FirewallPolicy'
                ? [...[...this.policies.values()].filter((p) => !byName.has(p.name)), ...objs]
                : [];
        return all.filter((o) =>
          Object.entries(selector ?? {}).every(([k, v]) => o.labels[k] === v),
        );
      },
      observed: this.status.get(objs[0]?.name ?? '')?.observed ?? {},
      observedOf: (name) => this.status.get(name)?.observed ?? {},
      recordEvent: (name, e) => this.events.push({ name, reason: e.reason, message: e.message }),
    };
  }

  async plan(obj: StoredObject<FirewallPolicySpec>): Promise<ObjectPlan> {
    const r = (await this.rec.plan(this.ctx([obj]), [obj])).get(obj.name)!;
    if (r instanceof Error) throw r;
    return r;
  }

  async pass(obj: StoredObject<FirewallPolicySpec>): Promise<ObjectOutcome> {
    const r = (await planAndApply(this.rec, this.ctx([obj]), [obj])).get(obj.name)!;
    if (r instanceof Error) throw r;
    const st = this.status.get(obj.name) ?? { observed: {}, observedGeneration: 0, conditions: [] };
    if (r.observed) st.observed = r.observed;
    for (const c of r.conditions ?? []) {
      st.conditions = [
        ...st.conditions.filter((x) => x.type !== c.type),
        { ...c, lastTransitionTime: 0 },
      ];
    }
    for (const e of r.events ?? [])
      this.events.push({ name: obj.name, reason: e.reason, message: e.message });
    this.status.set(obj.name, st);
    return r;
  }

  async finalize(obj: StoredObject<FirewallPolicySpec>): Promise<'done' | ObjectOutcome | Error> {
    return (await this.rec.finalize(this.ctx([obj]), [obj])).get(obj.name)!;
  }

  get fw() {
    return this.s.sim.state.firewall;
  }

  guestFw(vmid: number) {
    return this.s.sim.state.nodes['pve']!.guestFirewall[String(vmid)];
  }

  async close(): Promise<void> {
    await this.pve.close();
    await this.s.close();
  }
}
