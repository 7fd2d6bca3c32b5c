/**
 * Issue 3 acceptance, end to end: manifests on disk → chokidar → SQLite → Bridge controller →
 * simulator over HTTP, with the same composition `pxr run` uses.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bridgeDoc, startHarness, type Harness } from './harness.js';
import { waitFor } from '../helpers/wait.js';
import { waitForPasses } from '../helpers/passes.js';
import { dyingClient, type DyingClient } from '../kinds/bridge/dying-client.js';
import { waitTask } from '../helpers/wait-task.js';

const APPLY = { method: 'PUT' as const, route: '/nodes/{node}/network' };

function status(
  h: Harness,
  name: string,
): { ready: boolean; gen: number; observed: number; reason: string } {
  const d = h.app.store.describe({ kind: 'Bridge', name });
  const r = d?.status.conditions.find((c) => c.type === 'Ready');
  return {
    ready: r?.status === 'True' && d!.status.observedGeneration === d!.object.generation,
    gen: d?.object.generation ?? 0,
    observed: d?.status.observedGeneration ?? 0,
    reason: r?.reason ?? '',
  };
}

/** The running (applied) interface as the simulator holds it; comments without Proxmox's trailing newline. */
function active(h: Harness, iface: string): Record<string, unknown> | undefined {
  const i = h.sim.sim.state.nodes.pve!.network.active[iface] as Record<string, unknown> | undefined;
  return i && typeof i.comments === 'string' ? { ...i, comments: i.comments.trimEnd() } : i;
}

/** Reasons of the events and conditions an object has had. */
function reasons(h: Harness, name: string): string[] {
  const d = h.app.store.describe({ kind: 'Bridge', name });
  return [
    ...(d?.events.map((e) => e.reason) ?? []),
    ...(d?.status.conditions.map((c) => c.reason) ?? []),
  ];
}

function applies(h: Harness): number {
  return h.sim.sim.requests.count(APPLY);
}

/** The edited host file of these tests: the named bridges, in their post-edit form. */
function hostYaml(names: ('personal' | 'mgmt' | 'applan')[]): string {
  const docs = {
    personal: bridgeDoc('personal', {
      iface: 'vmbr1',
      ports: ['eno2'],
      cidr: '10.10.0.3/24',
      comment: 'personal services',
    }),
    mgmt: bridgeDoc('mgmt', { iface: 'vmbr2', ports: ['eno3'], vlanAware: true }),
    applan: bridgeDoc('applan', { iface: 'vmbr10', ports: [] }),
  };
  return names.map((n) => docs[n]).join('---\n');
}

async function allReady(h: Harness, names: string[]): Promise<void> {
  await waitFor(`${names.join(', ')} Ready`, () => names.every((n) => status(h, n).ready));
}

describe('Bridge controller end to end', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ resyncMs: 400 });
  });
  after(() => h.close());

  test('new manifests become Ready bridges through a single apply task', async () => {
    const before = applies(h);
    h.write(
      'host.yaml',
      [
        bridgeDoc('personal', {
          iface: 'vmbr1',
          ports: ['eno2'],
          cidr: '10.10.0.2/24',
          comment: 'personal',
        }),
        bridgeDoc('mgmt', { iface: 'vmbr2', ports: ['eno3'], vlanAware: true }),
        bridgeDoc('applan', { iface: 'vmbr10', ports: [] }),
      ].join('---\n'),
    );
    await allReady(h, ['personal', 'mgmt', 'applan']);
    assert.equal(applies(h) - before, 1, 'one apply task for the three bridges of the node');
    assert.equal(active(h, 'vmbr1')?.bridge_ports, 'eno2');
    assert.equal(active(h, 'vmbr1')?.cidr, '10.10.0.2/24');
    assert.equal(active(h, 'vmbr2')?.bridge_vlan_aware, 1);
    assert.ok(active(h, 'vmbr10'));
    assert.equal(h.sim.sim.state.nodes.pve!.network.pending, null, 'nothing left staged');
  });

  test('editing a manifest updates the bridge with one apply task', async () => {
    const before = applies(h);
    const gen = status(h, 'personal').gen;
    h.write('host.yaml', hostYaml(['personal', 'mgmt', 'applan']));
    await waitFor(
      'personal at the new generation and Ready',
      () => status(h, 'personal').gen === gen + 1 && status(h, 'personal').ready,
    );
    assert.equal(active(h, 'vmbr1')?.cidr, '10.10.0.3/24');
    assert.equal(active(h, 'vmbr1')?.comments, 'personal services');
    assert.equal(applies(h) - before, 1);
  });

  test("a change behind pxr's back is corrected within one resync and recorded as drift", async () => {
    // Converged first (the edit of the previous test fully applied), so what follows is drift.
    await h.app.manager.waitForIdle();
    assert.ok(
      status(h, 'personal').ready,
      `personal Ready before the edit: ${reasons(h, 'personal').join(',')}`,
    );
    // A person edits vmbr1 in the Proxmox UI: other port, no comment, applied.
    await h.pve.updateNetwork('pve', 'vmbr1', {
      type: 'bridge',
      bridge_ports: 'eno4',
      cidr: '10.10.0.3/24',
      delete: 'comments',
    });
    await waitTask(h.pve, 'pve', await h.pve.applyNetwork('pve'), { pollMs: 20 });
    await waitFor(
      'vmbr1 back on eno2',
      () =>
        active(h, 'vmbr1')?.bridge_ports === 'eno2' &&
        active(h, 'vmbr1')?.comments === 'personal services',
    );
    // The simulator shows the repair as soon as pxr's apply call lands; the pass records it just after.
    await waitFor('the drift recorded', () =>
      h.app.store
        .describe({ kind: 'Bridge', name: 'personal' })
        ?.drift.some((x) => x.field === 'bridge_ports'),
    );
    const d = h.app.store.describe({ kind: 'Bridge', name: 'personal' })!;
    const fields = d.drift.map((x) => x.field);
    assert.ok(
      fields.includes('bridge_ports'),
      `drift recorded: [${fields.join(',')}]; events: ${d.events.map((e) => `${e.reason}: ${e.message}`).join(' | ')}; history: ${JSON.stringify(h.app.store.history.list({ kind: 'Bridge', name: 'personal' }).slice(0, 4))}`,
    );
    assert.ok(d.drift.every((x) => x.corrected));
    assert.ok(
      d.events.some((e) => /Drift/.test(e.reason)),
      'a drift event',
    );
  });

  test('a bridge deleted by hand is re-created', async () => {
    await h.pve.deleteNetwork('pve', 'vmbr10');
    const posts = (): number =>
      h.sim.sim.requests.count({ method: 'POST', route: '/nodes/{node}/network' });
    const before = posts();
    await waitTask(h.pve, 'pve', await h.pve.applyNetwork('pve'), { pollMs: 20 });
    await waitFor(
      'vmbr10 re-created by pxr',
      () => posts() > before && active(h, 'vmbr10') !== undefined && status(h, 'applan').ready,
    );
  });

  test('an invalid file gives a located error and deletes nothing', async () => {
    h.write(
      'host.yaml',
      'apiVersion: pxr/v1alpha1\nkind: Bridge\nmetadata:\n  name: personal\nspec:\n  node: pve\n  iface: proximity-lan\n',
    );
    await waitFor(
      'SourceInvalid on the objects of the file',
      () => h.app.store.describe({ kind: 'Bridge', name: 'mgmt' })?.status.sourceInvalid === true,
    );
    const d = h.app.store.describe({ kind: 'Bridge', name: 'personal' })!;
    assert.equal(d.object.spec.iface, 'vmbr1', 'the last good spec stays in force');
    assert.ok(active(h, 'vmbr1') && active(h, 'vmbr2') && active(h, 'vmbr10'), 'nothing deleted');
    const ev = h.app.store
      .listEvents({ limit: 200 })
      .find((e) => /host\.yaml:7:\d+/.test(e.message));
    assert.ok(ev, 'an event names host.yaml line 7');
    assert.match(ev.message, /proximity-lan/);
  });

  test('emptying the folder refuses to prune and raises a warning', async () => {
    h.remove('host.yaml');
    await waitFor('PruneRefused warning', () =>
      h.app.store
        .listEvents({ limit: 200 })
        .find((e) => e.reason === 'PruneRefused' && e.type === 'Warning'),
    );
    // Two more Bridge passes of the node (one key here): at least one whole resync pass ran after the
    // refusal, and still nothing is pruned.
    await waitForPasses(h.app.manager, 'Bridge', 2);
    assert.ok(active(h, 'vmbr1') && active(h, 'vmbr2') && active(h, 'vmbr10'));
    assert.equal(
      h.app.store.listObjects('Bridge').filter((v) => v.object.deletionRequested).length,
      0,
    );
  });

  test('a document removed from a valid folder is pruned', async () => {
    h.write('host.yaml', hostYaml(['personal', 'mgmt', 'applan']));
    await allReady(h, ['personal', 'mgmt', 'applan']);
    h.write('host.yaml', hostYaml(['personal', 'mgmt']));
    await waitFor(
      'vmbr10 removed and the object gone',
      () =>
        active(h, 'vmbr10') === undefined &&
        !h.app.store.describe({ kind: 'Bridge', name: 'applan' }),
    );
    assert.ok(active(h, 'vmbr1') && active(h, 'vmbr2'));
  });
});

describe('Bridge controller with a git-sync folder', () => {
  test('an atomic symlink swap is followed and the revision recorded', async () => {
    const root = mkdtempSync(join(tmpdir(), 'pxr-gitsync-'));
    const rev1 = 'a'.repeat(40);
    const rev2 = 'b'.repeat(40);
    for (const [rev, comment] of [
      [rev1, 'first'],
      [rev2, 'second'],
    ] as const) {
      mkdirSync(join(root, '.worktrees', rev, 'manifests'), { recursive: true });
      writeFileSync(
        join(root, '.worktrees', rev, 'manifests', 'b.yaml'),
        bridgeDoc('lan', { iface: 'vmbr5', ports: [], comment }),
      );
    }
    symlinkSync(join('.worktrees', rev1), join(root, 'current'));
    const h = await startHarness({ manifests: join(root, 'current', 'manifests') });
    try {
      await waitFor(
        'lan Ready at rev1',
        () => status(h, 'lan').ready && active(h, 'vmbr5')?.comments === 'first',
      );
      assert.equal(h.app.store.describe({ kind: 'Bridge', name: 'lan' })!.object.revision, rev1);
      // git-sync: new link beside the old, then rename over it (atomic).
      symlinkSync(join('.worktrees', rev2), join(root, 'current.tmp'));
      renameSync(join(root, 'current.tmp'), join(root, 'current'));
      rmSync(join(root, '.worktrees', rev1), { recursive: true });
      await waitFor(
        'comment from rev2 applied',
        () => active(h, 'vmbr5')?.comments === 'second' && status(h, 'lan').ready,
      );
      assert.equal(h.app.store.describe({ kind: 'Bridge', name: 'lan' })!.object.revision, rev2);
      assert.ok(active(h, 'vmbr5'), 'the swap deleted nothing');
    } finally {
      await h.close();
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('Bridge controller crash recovery', () => {
  test('a controller killed while the apply task runs converges after restart, with no duplicate or lost change', async () => {
    // Slow reload task (1.5 s) so the controller is stopped while it runs.
    const h = await startHarness({ sim: { taskTimeScale: 1 } });
    try {
      h.write(
        'b.yaml',
        [
          bridgeDoc('one', { iface: 'vmbr1', ports: ['eno2'] }),
          bridgeDoc('two', { iface: 'vmbr2', ports: ['eno3'] }),
        ].join('---\n'),
      );
      await waitFor('the apply task started', () => applies(h) === 1);
      await h.restart();
      await allReady(h, ['one', 'two']);
      assert.equal(
        applies(h),
        1,
        'the restarted controller resumed the recorded task instead of applying again',
      );
      assert.equal(active(h, 'vmbr1')?.bridge_ports, 'eno2');
      assert.equal(active(h, 'vmbr2')?.bridge_ports, 'eno3');
    } finally {
      await h.close();
    }
  });

  test('a controller that died after staging but before applying finishes its own change after restart', async () => {
    // The process dies just before `PUT /network`: the change stays staged, no UPID recorded.
    let dying: DyingClient | undefined;
    const h = await startHarness({
      firstPve: (pve) => (dying = dyingClient(pve, 'applyNetwork', 'before')).pve,
    });
    try {
      h.write('b.yaml', bridgeDoc('one', { iface: 'vmbr1', ports: ['eno2'] }));
      await waitFor('the first controller died before applying', () => dying?.dead);
      assert.notEqual(h.sim.sim.state.nodes.pve!.network.pending, null, 'vmbr1 is staged');
      assert.equal(applies(h), 0);
      await h.restart();
      await allReady(h, ['one']);
      assert.equal(applies(h), 1, 'the staged change was applied once, not re-staged elsewhere');
      assert.equal(active(h, 'vmbr1')?.bridge_ports, 'eno2');
      assert.equal(h.sim.sim.state.nodes.pve!.network.pending, null);
      assert.ok(!reasons(h, 'one').includes('ForeignPendingChanges'));
    } finally {
      await h.close();
    }
  });

  test('a controller that died right after the create POST, before status was written, adopts its own bridge after restart', async () => {
    let dying: DyingClient | undefined;
    const h = await startHarness({
      firstPve: (pve) => (dying = dyingClient(pve, 'createNetwork', 'after')).pve,
    });
    try {
      h.write('b.yaml', bridgeDoc('one', { iface: 'vmbr1', ports: ['eno2'] }));
      await waitFor('the first controller died after creating vmbr1', () => dying?.dead);
      assert.equal(h.sim.sim.requests.count({ method: 'POST', route: '/nodes/{node}/network' }), 1);
      assert.equal(
        h.app.store.status.get({ kind: 'Bridge', name: 'one' })?.observed.owned,
        undefined,
        'status does not say pxr owns vmbr1',
      );
      await h.restart();
      await allReady(h, ['one']);
      assert.equal(active(h, 'vmbr1')?.bridge_ports, 'eno2');
      assert.equal(h.sim.sim.state.nodes.pve!.network.pending, null);
      const r = reasons(h, 'one');
      assert.ok(!r.includes('NotOwned') && !r.includes('ForeignPendingChanges'), r.join(', '));
      const owns = h.app.store.describe({ kind: 'Bridge', name: 'one' })!.inventory;
      assert.deepEqual(
        owns.map((i) => `${i.resourceType} ${i.resourceId}@${i.node}`),
        ['bridge vmbr1@pve'],
      );
    } finally {
      await h.close();
    }
  });
});
