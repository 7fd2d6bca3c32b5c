/**
 * The Appliance's plan step on its own (issue 9), against the simulator over HTTP with the real
 * client and a simulated appliance: the container and each service difference are planned (with
 * the calls apply would make, and whether they are drift) without a write to Proxmox or the
 * appliance; the runtime's admission decides what apply corrects (`alert`, `pxr/drift-ignore` by
 * the `services.<name>` alias).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import pino from 'pino';
import { ManualClock } from '../../../src/core/clock.js';
import { inventoryOwnership } from '../../../src/core/ownership.js';
import type {
  ObjectOutcome,
  ObjectPlan,
  ReconcileContext,
  Reconciler,
  StoredObject,
} from '../../../src/core/kind.js';
import { planAndApply } from '../../../src/core/plan-apply.js';
import { createPveClient } from '../../../src/pve/client.js';
import type { PveClient } from '../../../src/pve/types.js';
import { openStore, type Store } from '../../../src/store/store.js';
import { SimulatedTransport } from '../../../src/appliance/transport/simulated.js';
import { applianceReconciler, type ApplianceSpec } from '../../../src/kinds/appliance/index.js';
import { startSim, type StartedSim } from '../../helpers/sim.js';
import { TEMPLATE } from './rig.js';

type Obj = StoredObject<ApplianceSpec>;

function appliance(
  name: string,
  domain = 'prox.local',
  annotations: Record<string, string> = {},
): Obj {
  const spec: ApplianceSpec = {
    node: 'pve',
    template: TEMPLATE,
    wan: { bridge: 'vmbr0' },
    lan: { bridge: 'vmbr10', cidr: '10.20.0.1/24' },
    dhcp: { range: { start: '10.20.0.100', end: '10.20.0.199' } },
    dns: { domain },
    access: { transport: 'simulated' },
  };
  return {
    kind: 'Appliance',
    name,
    uid: `up-${name}`,
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

describe('Appliance plan: observe → plan → apply', () => {
  const clock = new ManualClock();
  let s: StartedSim;
  let pve: PveClient;
  let store: Store;
  let r: Reconciler<ApplianceSpec>;
  const transport = new SimulatedTransport();
  const status = new Map<string, Record<string, unknown>>();
  const writesInSim = (): number => s.sim.requests.list().filter((e) => e.method !== 'GET').length;
  const nftEmpty = (): boolean => transport.nft!.every((c) => c.rules.length === 0);

  const ctx = (obj: Obj): ReconcileContext => ({
    log: pino({ level: 'silent' }),
    clock,
    reconcileId: 'test',
    signal: new AbortController().signal,
    getStatus: () => undefined,
    get: () => undefined,
    list: () => [],
    observed: status.get(obj.name) ?? {},
    observedOf: (n) => status.get(n) ?? {},
    // Unused by the kind: planAndApply admits each plan under the object's own annotations.
    ownership: inventoryOwnership(store.inventory, [obj], clock),
  });
  const pass = async (obj: Obj): Promise<ObjectOutcome> => {
    const o = (await planAndApply(r, ctx(obj), [obj])).get(obj.name);
    if (!o || o instanceof Error) throw o ?? new Error('no outcome');
    if (o.observed) status.set(obj.name, o.observed);
    return o;
  };
  const converge = async (obj: Obj): Promise<void> => {
    for (let i = 0; i < 40; i++) {
      const o = await pass(obj);
      if (!o.notReady && o.requeueAfterMs === undefined) return;
      clock.advance(o.requeueAfterMs ?? 1000);
    }
    throw new Error(`${obj.name} did not converge`);
  };
  /** Plans `obj` and checks that planning wrote nothing to Proxmox. */
  const plan = async (obj: Obj): Promise<ObjectPlan> => {
    const before = writesInSim();
    const p = (await r.plan(ctx(obj), [obj])).get(obj.name);
    assert.ok(
      p && !(p instanceof Error),
      `plan failed: ${p instanceof Error ? p.message : 'none'}`,
    );
    assert.equal(writesInSim() - before, 0, 'plan made no write request');
    return p;
  };

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
      transportFor: () => Promise.resolve(transport),
    });
  });
  after(async () => {
    store.close();
    await pve.close();
    await s.close();
  });

  const gw = appliance('gw');

  test('an absent appliance plans its container; a converged one plans nothing', async () => {
    const first = await plan(gw);
    assert.deepEqual(
      first.changes.map((c) => [c.field, c.drift, c.calls.at(-1)]),
      [['exists', false, 'POST /nodes/pve/lxc']],
    );
    await converge(gw);
    clock.advance(1000);
    const p = await plan(gw);
    assert.deepEqual(p.changes, []);
    assert.equal(p.waiting, undefined);
  });

  test('a flushed nft table plans nftables drift; planning leaves it flushed', async () => {
    await transport.exec(['nft', 'flush', 'table', 'inet', 'pxr']);
    const p = await plan(gw);
    assert.ok(p.changes.length > 0, 'the flushed rules are planned');
    for (const c of p.changes) {
      assert.match(c.field, /^nftables\./);
      assert.equal(c.drift, true, c.field);
      assert.deepEqual(c.aliases, ['services.nftables']);
      assert.deepEqual(c.calls, ['appliance: nft -c -f, nft -f']);
    }
    assert.ok(nftEmpty(), 'plan did not restore the rules');
  });

  test('pxr/drift-ignore naming services.nftables keeps the table as it is, unreported', async () => {
    const o = await pass({ ...gw, annotations: { 'pxr/drift-ignore': 'services.nftables' } });
    assert.equal(o.drift, undefined);
    assert.ok(nftEmpty(), 'an ignored service is not corrected');
  });

  test('under pxr/drift: alert the drift is reported and the appliance left as it is', async () => {
    const o = await pass({ ...gw, annotations: { 'pxr/drift': 'alert' } });
    assert.ok(o.drift?.length && o.drift.every((d) => d.field.startsWith('nftables.')));
    assert.equal(o.driftCorrected, false);
    assert.equal(o.notReady?.reason, 'Drifted');
    assert.ok(nftEmpty(), 'alert leaves the table flushed');
    const fixed = await pass(gw); // back to correcting
    assert.equal(fixed.driftCorrected, true);
    assert.ok(!nftEmpty(), 'correct restores the rules');
  });

  test('a spec change plans the services it touches as spec changes, not drift', async () => {
    const renamed = appliance('gw', 'lab.example');
    const p = await plan(renamed);
    assert.ok(p.changes.length > 0);
    assert.ok(
      p.changes.every((c) => !c.drift),
      JSON.stringify(p.changes.map((c) => c.field)),
    );
    assert.ok(p.changes.some((c) => c.field.startsWith('dnsmasq')));
    const o = await pass({ ...renamed, annotations: { 'pxr/drift': 'alert' } });
    assert.equal(o.drift, undefined);
    assert.equal(o.notReady, undefined, 'a spec change is applied even under alert');
  });
});
