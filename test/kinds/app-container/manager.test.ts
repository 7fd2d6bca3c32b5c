/**
 * The AppContainer kind run by the real runtime (Manager, controller, SQLite store) against the
 * simulator over HTTP: containers converge from manifests, a converged sweep costs one
 * `/cluster/resources` plus one config read per container and writes nothing to Proxmox or SQLite,
 * and a manifest removed destroys its container.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { ManualClock } from '../../../src/core/clock.js';
import { Manager } from '../../../src/core/manager.js';
import { kindDefinitions } from '../../../src/kinds/registry.js';
import { AppContainerReconciler } from '../../../src/kinds/app-container/reconciler.js';
import { createPveClient } from '../../../src/pve/client.js';
import type { PveClient } from '../../../src/pve/types.js';
import { openStore, type Store } from '../../../src/store/store.js';
import { startSim, type StartedSim } from '../../helpers/sim.js';
import { doc, snap } from '../../core/helpers.js';
import { TEMPLATE } from './harness.js';

const N = 12;

describe('AppContainer through the Manager', () => {
  const clock = new ManualClock();
  let s: StartedSim;
  let pve: PveClient;
  let store: Store;
  let manager: Manager;
  const docs = Array.from({ length: N }, (_, i) =>
    doc('AppContainer', `app-${i}`, {
      node: 'pve',
      template: TEMPLATE,
      network: {
        bridge: 'vmbr0',
        ip: i % 2 ? 'dhcp' : `192.168.100.${100 + i}/24`,
        firewall: false,
      },
      state: i === 0 ? 'stopped' : 'running',
    }),
  );
  const ready = (): number =>
    store.objects
      .list('AppContainer')
      .filter((o) =>
        store.status.get(o)?.conditions.some((c) => c.type === 'Ready' && c.status === 'True'),
      ).length;
  const count = (k: string): number => pve.calls()[k]?.count ?? 0;
  const writes = (): number =>
    Object.entries(pve.calls())
      .filter(([k]) => !k.startsWith('GET '))
      .reduce((n, [, v]) => n + v.count, 0);
  /** Moves time in steps until `cond` holds (bounded). */
  const until = async (cond: () => boolean, what: string): Promise<void> => {
    for (let i = 0; i < 200 && !cond(); i++) {
      await manager.waitForIdle();
      if (cond()) return;
      clock.advance(1000);
    }
    assert.ok(cond(), `timed out waiting for ${what}`);
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
    store = openStore(':memory:', { clock });
    const kinds = kindDefinitions();
    const def = kinds.find((k) => k.kind === 'AppContainer')!;
    def.reconciler = new AppContainerReconciler({
      pve,
      clock,
      taskPollMs: 1000,
    });
    manager = new Manager({
      store,
      clock,
      log: pino({ level: 'silent' }),
      kinds,
      resyncMs: 0,
      backoff: { random: () => 0 },
    });
    manager.start();
  });
  after(async () => {
    await manager.stop(1000);
    store.close();
    await pve.close();
    await s.close();
  });

  test('containers converge from manifests and become Ready', async () => {
    manager.applySnapshot(snap(docs));
    await until(() => ready() === N, `${N} Ready containers`);
    const cts = Object.values(s.sim.state.nodes['pve']!.lxc);
    assert.equal(cts.length, N);
    assert.equal(cts.filter((c) => c.status === 'running').length, N - 1);
  });

  test('a converged sweep makes one resources call and one config read per container, and writes nothing', async () => {
    clock.advance(60_000); // past the observation cache's lifetime
    const before = {
      resources: count('GET /cluster/resources'),
      pending: count('GET /nodes/{node}/lxc/{vmid}/pending'),
      all: Object.values(pve.calls()).reduce((n, c) => n + c.count, 0),
      writes: writes(),
      rows: store.totalChanges(),
    };
    manager.controller('AppContainer')!.enqueueAll();
    await manager.waitForIdle();
    assert.equal(count('GET /cluster/resources') - before.resources, 1);
    assert.equal(count('GET /nodes/{node}/lxc/{vmid}/pending') - before.pending, N);
    const calls = Object.values(pve.calls()).reduce((n, c) => n + c.count, 0) - before.all;
    assert.equal(calls, N + 1, `calls per container: ${(calls / N).toFixed(3)}`);
    assert.equal(writes(), before.writes, 'no Proxmox write');
    assert.equal(store.totalChanges(), before.rows, 'no SQLite write');
  });

  test("a field changed behind pxr's back is corrected and recorded as drift in the store", async () => {
    const ref = { kind: 'AppContainer', name: 'app-5' };
    const vmid = Number(store.status.get(ref)?.observed['vmid']);
    await pve.put(`/nodes/pve/lxc/${vmid}/config`, { cores: 6 });
    clock.advance(60_000);
    manager.controller('AppContainer')!.enqueueAll();
    await manager.waitForIdle();
    assert.equal(s.sim.state.nodes['pve']!.lxc[String(vmid)]!.config['cores'], 1);
    const rec = store.drift.list(ref).find((d) => d.field === 'cores');
    assert.ok(rec, 'drift recorded');
    assert.equal(rec.corrected, true);
    assert.deepEqual([rec.desired, rec.actual], ['1', '6']);
    const events = store.events.list({ ref }).map((e) => e.reason);
    assert.ok(events.includes('DriftCorrected'), events.join(','));
  });

  test('a manifest removed destroys its container', async () => {
    const vmid = store.status.get({ kind: 'AppContainer', name: 'app-3' })?.observed['vmid'];
    assert.equal(typeof vmid, 'number');
    manager.applySnapshot(snap(docs.filter((d) => d.name !== 'app-3')));
    await until(
      () => store.objects.get({ kind: 'AppContainer', name: 'app-3' }) === undefined,
      'app-3 finalized',
    );
    assert.equal(s.sim.state.nodes['pve']!.lxc[String(vmid)], undefined);
    assert.equal(Object.keys(s.sim.state.nodes['pve']!.lxc).length, N - 1);
  });

  test('a stalled object (VMID taken by a foreign container) recovers by itself once the VMID is free', async () => {
    const foreign = await pve.post<string>('/nodes/pve/lxc', {
      vmid: 7777,
      ostemplate: TEMPLATE,
      hostname: 'someone-else',
      storage: 'local-lvm',
    });
    await until(
      () => s.sim.state.nodes['pve']!.lxc['7777']?.config['lock'] === undefined,
      'foreign create',
    );
    void foreign;
    const ref = { kind: 'AppContainer', name: 'pinned' };
    const pinned = doc('AppContainer', 'pinned', {
      node: 'pve',
      vmid: 7777,
      template: TEMPLATE,
      network: { bridge: 'vmbr0', ip: 'dhcp', firewall: false },
      state: 'stopped',
    });
    const all = docs.filter((d) => d.name !== 'app-3');
    manager.applySnapshot(snap([...all, pinned]));
    await manager.waitForIdle();
    const stalled = (): string | undefined =>
      store.status.get(ref)?.conditions.find((c) => c.type === 'Stalled' && c.status === 'True')
        ?.reason;
    assert.equal(stalled(), 'NotOwned'); // CT 7777 exists and is not ours
    // A resync before the retry time leaves it alone (no tight loop on a terminal error).
    const posts = count('POST /nodes/{node}/lxc');
    manager.controller('AppContainer')!.enqueueAll();
    await manager.waitForIdle();
    assert.equal(count('POST /nodes/{node}/lxc'), posts);
    // Someone removes the foreign container; no manifest is touched.
    await pve.del('/nodes/pve/lxc/7777');
    await until(() => s.sim.state.nodes['pve']!.lxc['7777'] === undefined, 'foreign CT gone');
    clock.advance(300_000); // the stalled retry is due
    manager.controller('AppContainer')!.enqueueAll(); // the periodic resync
    await until(
      () =>
        store.status.get(ref)?.conditions.some((c) => c.type === 'Ready' && c.status === 'True') ===
        true,
      'pinned Ready',
    );
    assert.equal(stalled(), undefined);
    assert.match(String(s.sim.state.nodes['pve']!.lxc['7777']?.config['description']), /pxr:uid=/);
  });

  test('pxr/suspend: "true" leaves a drifted container alone until the annotation goes', async () => {
    const ref = { kind: 'AppContainer', name: 'app-6' };
    const vmid = Number(store.status.get(ref)?.observed['vmid']);
    const keep = docs.filter((d) => d.name !== 'app-3' && d.name !== 'app-6');
    const app6 = docs.find((d) => d.name === 'app-6')!;
    const suspended = { ...app6, annotations: { 'pxr/suspend': 'true' } };
    const pinned = store.objects.get({ kind: 'AppContainer', name: 'pinned' });
    const extra = pinned ? [doc('AppContainer', 'pinned', pinned.spec)] : [];
    manager.applySnapshot(snap([...keep, suspended, ...extra]));
    await manager.waitForIdle();
    await pve.put(`/nodes/pve/lxc/${vmid}/config`, { cores: 5 });
    clock.advance(60_000);
    manager.controller('AppContainer')!.enqueueAll();
    await manager.waitForIdle();
    assert.equal(s.sim.state.nodes['pve']!.lxc[String(vmid)]!.config['cores'], 5, 'left alone');
    manager.applySnapshot(snap([...keep, app6, ...extra]));
    await manager.waitForIdle();
    assert.equal(s.sim.state.nodes['pve']!.lxc[String(vmid)]!.config['cores'], 1, 'corrected');
  });
});
