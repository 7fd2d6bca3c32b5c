/**
 * The Appliance reconciler driven directly, pass by pass (the way the lab test drives it with a real
 * transport), against the simulator over HTTP and a simulated appliance: the transport is asked for
 * once the container runs, `pxr/drift: alert` reports drift without touching the appliance, a failing
 * service leaves the others converged and asks for a retry, a route that does not answer is a
 * Warning event, the lease file is observed, and deletion destroys the container.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import pino from 'pino';
import { ManualClock } from '../../../src/core/clock.js';
import { inventoryOwnership } from '../../../src/core/ownership.js';
import type {
  Condition,
  ObjectOutcome,
  ReconcileContext,
  Reconciler,
  StoredObject,
} from '../../../src/core/kind.js';
import { createPveClient } from '../../../src/pve/client.js';
import type { PveClient } from '../../../src/pve/types.js';
import { openStore, type Store } from '../../../src/store/store.js';
import { SimulatedTransport } from '../../../src/appliance/transport/simulated.js';
import type { ExecOptions, ExecResult } from '../../../src/appliance/transport/types.js';
import {
  applianceReconciler,
  type ApplianceSpec,
  type TransportTarget,
} from '../../../src/kinds/appliance/index.js';
import { memberMac } from '../../../src/kinds/app-container/appliance-join.js';
import { startSim, type StartedSim } from '../../helpers/sim.js';
import { TEMPLATE } from './rig.js';
import { planAndApply } from '../../../src/core/plan-apply.js';

/** A simulated appliance whose commands can be made to fail (an unreachable Caddy admin API). */
class FlakyAppliance extends SimulatedTransport {
  failCurl = false;
  /** Routes answer 502 (Caddy's answer when the upstream is down); the admin API still works. */
  upstreamDown = false;
  override exec(argv: readonly string[], opts?: ExecOptions): Promise<ExecResult> {
    if (this.failCurl && argv[0] === 'curl')
      return Promise.resolve({ code: 7, stdout: '', stderr: 'curl: (7) Failed to connect' });
    if (this.upstreamDown && argv[0] === 'curl' && !argv.some((a) => a.includes(':2019/')))
      return Promise.resolve({ code: 0, stdout: '\n--pxr-status:502', stderr: '' });
    return super.exec(argv, opts);
  }
}

type Obj = StoredObject<ApplianceSpec>;

/** AppContainers visible to the reconciler (members of an appliance LAN). */
const members: StoredObject[] = [];

function member(
  name: string,
  network: Record<string, unknown>,
  expose: Array<{ host: string; port: number }> = [],
): StoredObject {
  return {
    kind: 'AppContainer',
    name,
    uid: `uc${++seq}-${name}`,
    generation: 1,
    specHash: 'm',
    spec: { node: 'pve', template: TEMPLATE, network, expose },
    labels: {},
    annotations: {},
    sourceFile: 'cts.yaml',
    deletionRequested: false,
    finalizers: [],
  };
}

let seq = 0;
function appliance(name: string, annotations: Record<string, string> = {}): Obj {
  const spec: ApplianceSpec = {
    node: 'pve',
    template: TEMPLATE,
    wan: { bridge: 'vmbr0' },
    lan: { bridge: 'vmbr10', cidr: '10.20.0.1/24' },
    dhcp: { range: { start: '10.20.0.100', end: '10.20.0.199' } },
    dns: { domain: 'prox.local' },
    access: { transport: 'simulated' },
  };
  return {
    kind: 'Appliance',
    name,
    uid: `ua${++seq}-${name}`,
    generation: 1,
    specHash: createHash('sha1').update(JSON.stringify(spec)).digest('hex').slice(0, 16),
    spec,
    labels: {},
    annotations,
    sourceFile: 'gw.yaml',
    deletionRequested: false,
    finalizers: [],
  };
}

describe('Appliance reconciler', () => {
  const clock = new ManualClock();
  let s: StartedSim;
  let pve: PveClient;
  let store: Store;
  let r: Reconciler<ApplianceSpec>;
  const targets: TransportTarget[] = [];
  const closed: string[] = [];
  const transports = new Map<string, FlakyAppliance>();
  const status = new Map<string, { observed: Record<string, unknown>; conditions: Condition[] }>();

  const ctx = (obj: Obj): ReconcileContext => ({
    log: pino({ level: 'silent' }),
    clock,
    reconcileId: 'test',
    signal: new AbortController().signal,
    getStatus: () => undefined,
    get: () => undefined,
    list: (kind) => (kind === 'AppContainer' ? members : []),
    observed: status.get(obj.name)?.observed ?? {},
    observedOf: (n) => status.get(n)?.observed ?? {},
    ownership: inventoryOwnership(store.inventory, [obj], clock),
  });
  const pass = async (obj: Obj): Promise<ObjectOutcome> => {
    const o = (await planAndApply(r, ctx(obj), [obj])).get(obj.name);
    if (!o || o instanceof Error) throw o ?? new Error('no outcome');
    const st = status.get(obj.name) ?? { observed: {}, conditions: [] };
    if (o.observed) st.observed = o.observed;
    for (const c of o.conditions ?? [])
      st.conditions = [
        ...st.conditions.filter((x) => x.type !== c.type),
        { ...c, lastTransitionTime: 0 },
      ];
    status.set(obj.name, st);
    return o;
  };
  const converge = async (obj: Obj): Promise<ObjectOutcome> => {
    for (let i = 0; i < 40; i++) {
      const o = await pass(obj);
      if (!o.notReady && o.requeueAfterMs === undefined) return o;
      clock.advance(o.requeueAfterMs ?? 1000);
    }
    throw new Error(`${obj.name} did not converge`);
  };
  const cond = (name: string, type: string): Condition | undefined =>
    status.get(name)?.conditions.find((c) => c.type === type);

  before(async () => {
    s = await startSim({ clock, taskTimeScale: 0.25 });
    pve = createPveClient({
      url: s.url,
      tokenId: s.tokenId,
      tokenSecret: s.tokenSecret,
      clock,
      logger: pino({ level: 'silent' }),
    });
    await pve.createNetwork('pve', 'vmbr10', { type: 'bridge', autostart: 1 });
    const upid = await pve.applyNetwork('pve');
    for (let i = 0; i < 60 && (await pve.taskStatus('pve', upid)).status === 'running'; i++)
      clock.advance(1000);
    store = openStore(':memory:', { clock });
    r = applianceReconciler({
      pve,
      clock,
      taskPollMs: 1000,
      resourcesTtlMs: 0,
      serviceRetryMs: 7000,
      transportFor: Object.assign(
        (target: TransportTarget) => {
          targets.push(target);
          let t = transports.get(target.name);
          if (!t) transports.set(target.name, (t = new FlakyAppliance()));
          return Promise.resolve(t);
        },
        {
          close: (uid: string) => {
            closed.push(uid);
            return Promise.resolve();
          },
        },
      ),
    });
  });
  after(async () => {
    store.close();
    await pve.close();
    await s.close();
  });

  test('the transport is asked for only once the container runs, with its VMID', async () => {
    const gw = appliance('gw1');
    const first = await pass(gw);
    assert.ok(first.notReady, 'the first pass only starts creating the container');
    assert.equal(targets.length, 0);
    await converge(gw);
    const vmid = status.get('gw1')?.observed['vmid'];
    assert.equal(typeof vmid, 'number');
    assert.equal(targets.at(-1)?.vmid, vmid);
    assert.equal(targets.at(-1)?.spec.access.transport, 'simulated');
    for (const type of ['DnsmasqReady', 'NftablesReady', 'CaddyReady'])
      assert.equal(cond('gw1', type)?.status, 'True', type);
  });

  test('under pxr/drift: alert, a flushed nft table is reported as drift and left alone', async () => {
    const gw = appliance('gw2', { 'pxr/drift': 'alert' });
    await converge(gw);
    const t = transports.get('gw2')!;
    await t.exec(['nft', 'flush', 'table', 'inet', 'pxr']);
    const o = await pass(gw);
    assert.ok(
      o.drift?.some((d) => d.field.startsWith('nft')),
      JSON.stringify(o.drift),
    );
    assert.equal(o.driftCorrected, false);
    assert.equal(o.notReady?.reason, 'Drifted');
    assert.equal(cond('gw2', 'NftablesReady')?.status, 'False');
    assert.ok(
      t.nft!.every((c) => c.rules.length === 0),
      'the table stays flushed',
    );
  });

  test('under pxr/drift: ignore, a flushed nft table is left alone', async () => {
    const gw = appliance('gw6', { 'pxr/drift': 'ignore' });
    await converge(gw);
    const t = transports.get('gw6')!;
    await t.exec(['nft', 'flush', 'table', 'inet', 'pxr']);
    await pass(gw);
    assert.ok(
      t.nft!.every((c) => c.rules.length === 0),
      'the table stays flushed',
    );
  });

  test('an unreachable Caddy admin API fails CaddyReady only and asks for a retry', async () => {
    const gw = appliance('gw3');
    await converge(gw);
    const t = transports.get('gw3')!;
    t.failCurl = true;
    const o = await pass(gw);
    assert.equal(cond('gw3', 'CaddyReady')?.status, 'False');
    assert.equal(cond('gw3', 'CaddyReady')?.reason, 'HTTP_UNREACHABLE');
    assert.equal(cond('gw3', 'DnsmasqReady')?.status, 'True');
    assert.equal(cond('gw3', 'NftablesReady')?.status, 'True');
    assert.equal(o.requeueAfterMs, 7000);
    assert.equal(o.notReady?.reason, 'ServicesNotReady');
    assert.ok(o.events?.some((e) => e.type === 'Warning' && /caddy/.test(e.message)));
    t.failCurl = false;
    const back = await pass(gw);
    assert.equal(back.notReady, undefined);
    assert.equal(cond('gw3', 'CaddyReady')?.status, 'True');
  });

  test('a route that does not answer is a Warning event, not drift, and the leases are observed', async () => {
    const gw = appliance('gw5');
    const web = member('web5', { appliance: 'gw5', ip: '10.20.0.10/24' }, [
      { host: 'web.prox.local', port: 80 },
    ]);
    const dyn = member('dyn5', { appliance: 'gw5' });
    members.push(web, dyn);
    await converge(gw);
    const t = transports.get('gw5')!;
    assert.ok(JSON.stringify(t.caddy.config).includes('10.20.0.10:80'));
    // dnsmasq's lease file: `expiry mac ip hostname clientid`.
    const mac = memberMac(dyn.uid).toLowerCase();
    await t.writeFile(
      '/var/lib/misc/pxr-dnsmasq.leases',
      `${Math.floor(clock.now() / 1000) + 3600} ${mac} 10.20.0.142 dyn5 *\n`,
    );
    t.upstreamDown = true;
    const o = await pass(gw);
    const warn = o.events?.find((e) => e.reason === 'RouteNotAnswering');
    assert.ok(warn, JSON.stringify(o.events));
    assert.equal(warn.type, 'Warning');
    assert.match(warn.message, /web\.prox\.local/);
    assert.equal(o.drift, undefined);
    assert.equal(o.notReady, undefined);
    assert.deepEqual(status.get('gw5')?.observed['leases'], { [mac]: '10.20.0.142' });
  });

  test('a member conflicting with another is left out with a Warning; the rest of the LAN converges', async () => {
    const gw = appliance('gw7');
    const first = member('first7', { appliance: 'gw7', ip: '10.20.0.20/24' });
    const clash = member('second7', { appliance: 'gw7', ip: '10.20.0.20/24' });
    const other = member('third7', { appliance: 'gw7', ip: '10.20.0.21/24' });
    members.push(first, clash, other);
    const o = await converge(gw);
    for (const type of ['DnsmasqReady', 'NftablesReady', 'CaddyReady'])
      assert.equal(cond('gw7', type)?.status, 'True', type);
    const t = transports.get('gw7')!;
    const hostsDir = '/etc/pxr/dnsmasq/dhcp-hosts';
    assert.match((await t.readFile(`${hostsDir}/first7`)) ?? '', /10\.20\.0\.20/);
    assert.match((await t.readFile(`${hostsDir}/third7`)) ?? '', /10\.20\.0\.21/);
    assert.equal(await t.readFile(`${hostsDir}/second7`), undefined);
    const warn = o.events?.find((e) => e.reason === 'MemberConflict');
    assert.ok(warn, JSON.stringify(o.events));
    assert.match(warn.message, /second7/);
    const rendered = status.get('gw7')?.observed['members'] as Record<string, string>;
    assert.deepEqual(Object.keys(rendered).sort(), ['first7', 'third7']);
  });

  test('a member already on the LAN keeps its address when another takes it in its manifest', async () => {
    const gw = appliance('gw8');
    const settled = member('zz8', { appliance: 'gw8', ip: '10.20.0.30/24' });
    members.push(settled);
    await converge(gw);
    const newcomer = member('aa8', { appliance: 'gw8', ip: '10.20.0.30/24' });
    members.push(newcomer);
    const o = await converge(gw);
    assert.match(o.events?.find((e) => e.reason === 'MemberConflict')?.message ?? '', /aa8/);
    const t = transports.get('gw8')!;
    assert.match((await t.readFile('/etc/pxr/dnsmasq/dhcp-hosts/zz8')) ?? '', /10\.20\.0\.30/);
    assert.equal(await t.readFile('/etc/pxr/dnsmasq/dhcp-hosts/aa8'), undefined);
  });

  test('deleting the appliance destroys its container and closes its transport', async () => {
    const gw = { ...appliance('gw4'), deletionRequested: true };
    await converge({ ...gw, deletionRequested: false });
    const vmid = String(status.get('gw4')?.observed['vmid']);
    assert.ok(s.sim.state.nodes['pve']!.lxc[vmid]);
    for (let i = 0; i < 40; i++) {
      const o = (await r.finalize(ctx(gw), [gw])).get('gw4');
      if (o === 'done') break;
      if (o instanceof Error) throw o;
      clock.advance(o?.requeueAfterMs ?? 1000);
    }
    assert.equal(s.sim.state.nodes['pve']!.lxc[vmid], undefined);
    assert.deepEqual(closed, [gw.uid]);
  });
});
