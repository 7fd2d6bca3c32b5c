/**
 * Creating containers with the AppContainer reconciler against the simulator over HTTP: allocated
 * and explicit VMIDs, ownership marker and tag, the MAC kept, the task recorded and polled, a
 * converged pass that writes nothing, and the errors a create can meet.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isTerminal, type TerminalError } from '../../../src/core/errors.js';
import { AppContainerReconciler } from '../../../src/kinds/app-container/reconciler.js';
import type { Params, PveClient } from '../../../src/pve/types.js';
import type { ObjectOutcome } from '../../../src/core/kind.js';
import { ct, rig, simCt, vmidOf, waitTaskByHand, withSpec, type Rig } from './harness.js';

function terminal(v: ObjectOutcome | Error): TerminalError {
  assert.ok(isTerminal(v), `expected a terminal error, got ${JSON.stringify(v)}`);
  return v;
}

describe('AppContainer create', () => {
  let r: Rig;
  before(async () => {
    r = await rig();
  });
  after(() => r.close());

  test('an allocated VMID is claimed in the inventory before the create call, then the container is created, owned and started', async () => {
    const web = ct('web', {
      network: { bridge: 'vmbr1', ip: '10.10.0.20/24', gateway: '10.10.0.1', firewall: true },
      tags: ['web', 'Prod'],
      description: 'the web server',
      auth: { passwordFile: '/secrets/root-password' },
    });
    const claimedAtPost: (string | undefined)[] = [];
    const watching: PveClient = {
      ...r.pve,
      post: async <T>(path: string, params?: Params): Promise<T> => {
        if (path === '/nodes/pve/lxc') {
          const ref = { resourceType: 'lxc', node: 'pve', resourceId: String(params?.['vmid']) };
          claimedAtPost.push(r.h.store.inventory.find(ref)?.uid);
        }
        return r.pve.post<T>(path, params);
      },
    };
    const old = r.h.reconciler;
    r.h.reconciler = new AppContainerReconciler({
      pve: watching,
      clock: r.clock,
      taskPollMs: 1000,
      resourcesTtlMs: 0,
      readSecret: async () => 'correct horse battery\n',
    });
    try {
      await r.h.converge(web);
    } finally {
      r.h.reconciler = old;
    }
    assert.deepEqual(
      claimedAtPost,
      [web.uid],
      'claimed (bound to the uid) before the one create call',
    );
    const vmid = vmidOf(r, 'web');
    const c = simCt(r, vmid);
    assert.equal(c?.status, 'running');
    assert.equal(c?.config['hostname'], 'web');
    assert.equal(c?.config['tags'], 'prod;pxr;web');
    assert.match(
      String(c?.config['description']),
      new RegExp(`^the web server\\n\\npxr:uid=${web.uid}\\n$`),
    );
    assert.match(
      String(c?.config['net0']),
      /bridge=vmbr1,firewall=1,gw=10\.10\.0\.1,hwaddr=BC:24:11:/,
    );
    const obs = r.h.status.get('web')?.observed ?? {};
    assert.equal(obs['ip'], '10.10.0.20/24', 'a static address is known without a read');
    assert.match(String(obs['mac']), /^BC:24:11:[0-9A-F:]{8}$/);
    assert.equal(obs['template'], web.spec.template);
    assert.equal(obs['task'], undefined);
    assert.equal(obs['state'], 'running');
  });

  test('a converged pass reads one config and writes nothing', async () => {
    const web = ct('web2');
    await r.h.converge(web);
    const before = { ...r.pve.calls() };
    const writes = r.writes();
    const out = await r.h.pass(web);
    assert.ok(!(out instanceof Error));
    assert.equal(out.requeueAfterMs, undefined);
    assert.equal(out.actions, undefined);
    assert.equal(out.drift, undefined);
    assert.equal(r.writes(), writes, 'no write to Proxmox');
    const delta = (k: string): number => (r.pve.calls()[k]?.count ?? 0) - (before[k]?.count ?? 0);
    assert.equal(delta('GET /nodes/{node}/lxc/{vmid}/pending'), 1);
    assert.equal(delta('GET /cluster/resources'), 1);
    assert.equal(delta('GET /nodes/{node}/lxc/{vmid}/interfaces'), 0, 'the lease was read once');
    // The lease comes from the LAN its neighbour (web, 10.10.0.20/24) is on: the same segment.
    assert.match(String(r.h.status.get('web2')?.observed['ip']), /^10\.10\.0\.\d+\/24$/);
  });

  test('an explicit VMID is used as given', async () => {
    const db = ct('db', { vmid: 4242, state: 'stopped' });
    await r.h.converge(db);
    assert.equal(vmidOf(r, 'db'), 4242);
    assert.equal(simCt(r, 4242)?.status, 'stopped');
    assert.equal(r.h.status.get('db')?.observed['ip'], undefined);
  });

  test('a missing template is a terminal error naming it, and nothing is created', async () => {
    const posts = r.count('POST /nodes/{node}/lxc');
    const bad = ct('bad', {
      vmid: 4300,
      template: 'local:vztmpl/debian-99-standard_99.0-1_amd64.tar.zst',
    });
    const err = terminal(await r.h.pass(bad));
    assert.equal(err.reason, 'TemplateNotFound');
    assert.match(err.message, /debian-99-standard_99\.0-1_amd64\.tar\.zst not found on node pve/);
    assert.equal(r.count('POST /nodes/{node}/lxc'), posts);
  });

  test('an unreadable secret file is retried (not stalled) and the create proceeds once it is readable', async () => {
    let readable = false;
    const old = r.h.reconciler;
    r.h.reconciler = new AppContainerReconciler({
      pve: r.pve,
      clock: r.clock,
      resourcesTtlMs: 0,
      readSecret: (path) =>
        readable
          ? Promise.resolve('s3cret\n')
          : Promise.reject(
              Object.assign(new Error(`EACCES: permission denied, open '${path}'`), {
                code: 'EACCES',
              }),
            ),
    });
    try {
      const locked = ct('locked', { vmid: 4330, auth: { passwordFile: '/secrets/pw' } });
      const o = await r.h.pass(locked);
      assert.ok(
        o instanceof Error && !isTerminal(o),
        `a retryable error, got ${JSON.stringify(o)}`,
      );
      assert.match(o.message, /\/secrets\/pw/);
      assert.doesNotMatch(o.message, /s3cret/);
      readable = true;
      await r.h.converge(locked);
      assert.ok(simCt(r, 4330), 'created');
    } finally {
      r.h.reconciler = old;
    }
  });

  test('an unknown node is a terminal error', async () => {
    const err = terminal(await r.h.pass(ct('lost', { vmid: 4310, node: 'pve9' })));
    assert.equal(err.reason, 'NodeNotFound');
    assert.match(err.message, /node 'pve9' is not a node of this cluster/);
  });

  test('network.appliance naming no Appliance object waits and touches nothing', async () => {
    const calls = Object.values(r.pve.calls()).reduce((n, c) => n + c.count, 0);
    const o = await r.h.pass(
      ct('behind', { vmid: 4320, network: { appliance: 'edge', ip: 'dhcp', firewall: false } }),
    );
    assert.ok(!(o instanceof Error) && o.notReady?.reason === 'DependencyNotReady');
    assert.match(o.notReady.message, /waiting for Appliance\/edge: no such Appliance object/);
    assert.equal(
      Object.values(r.pve.calls()).reduce((n, c) => n + c.count, 0),
      calls,
    );
  });

  test('a VMID taken by a VM is a clear terminal error', async () => {
    const node = r.s.sim.state.nodes['pve']!;
    node.qemu = {
      ...(node.qemu ?? {}),
      '4400': {
        vmid: 4400,
        config: { name: 'win' },
        pending: {},
        pendingDelete: [],
        status: 'running',
      },
    };
    const err = terminal(await r.h.pass(ct('clash', { vmid: 4400 })));
    assert.equal(err.reason, 'VmidTaken');
    assert.match(err.message, /VMID 4400 is already used by a QEMU VM on node pve/);
  });

  test('a container without the marker at the VMID is refused and left alone', async () => {
    const upid = await r.pve.post<string>('/nodes/pve/lxc', {
      vmid: 4500,
      ostemplate: 'local:vztmpl/alpine-3.20-default_20240908_amd64.tar.xz',
      rootfs: 'local-lvm:2',
      hostname: 'someone-elses',
    });
    await waitTaskByHand(r, upid);
    const writes = r.writes();
    const obj = ct('intruder', { vmid: 4500 });
    const err = terminal(await r.h.pass(obj));
    assert.equal(err.reason, 'NotOwned');
    assert.match(
      err.message,
      /CT 4500 exists on node pve but does not carry this object's ownership marker/,
    );
    const fin = await r.h.finalize({ ...obj, deletionRequested: true });
    assert.equal(fin, 'done', 'removing the manifest forgets the object and destroys nothing');
    assert.ok(
      r.h.recorded.some((x) => x.name === 'intruder' && x.event.reason === 'NothingToDelete'),
    );
    assert.equal(r.writes(), writes, 'nothing written, nothing destroyed');
    assert.equal(simCt(r, 4500)?.config['hostname'], 'someone-elses');
  });

  test('with spec.adopt the existing container is taken over: marker written, unknown fields reported', async () => {
    const obj = ct('adopter', { vmid: 4500, adopt: true, state: 'stopped' });
    const outs = await r.h.converge(obj);
    const c = simCt(r, 4500);
    assert.match(String(c?.config['description']), new RegExp(`pxr:uid=${obj.uid}`));
    assert.equal(c?.config['tags'], 'pxr');
    assert.equal(c?.config['hostname'], 'adopter');
    const obs = r.h.status.get('adopter')?.observed ?? {};
    assert.deepEqual(obs['unknownFields'], ['template', 'auth.password', 'auth.sshPublicKeys']);
    assert.ok(outs.some((o) => o.events?.some((e) => e.reason === 'Adopted')));
    const again = await r.h.pass(obj);
    assert.ok(!(again instanceof Error) && again.drift === undefined, 'no drift on unknown fields');
  });

  test('a DHCP container without a lease yet is asked for its address again only after ipRetryMs', async () => {
    let leased = false;
    const slowDhcp: PveClient = {
      ...r.pve,
      get: async <T>(path: string, params?: Params): Promise<T> => {
        const res = await r.pve.get<T>(path, params);
        if (leased || !path.endsWith('/interfaces') || !Array.isArray(res)) return res;
        return res.map((i: Record<string, unknown>) =>
          i['name'] === 'eth0' ? { name: 'eth0', hwaddr: i['hwaddr'] } : i,
        ) as T;
      },
    };
    const old = r.h.reconciler;
    r.h.reconciler = new AppContainerReconciler({
      pve: slowDhcp,
      clock: r.clock,
      taskPollMs: 1000,
      resourcesTtlMs: 0,
      ipRetryMs: 60_000,
    });
    try {
      const obj = ct('lease', { vmid: 4600 });
      const reads = (): number => r.count('GET /nodes/{node}/lxc/{vmid}/interfaces');
      const before = reads();
      await r.h.converge(obj);
      assert.equal(r.h.status.get('lease')?.observed['ip'], undefined);
      assert.equal(reads() - before, 1);
      await r.h.pass(obj);
      assert.equal(reads() - before, 1, 'not asked again on the next sweep');
      leased = true;
      r.clock.advance(60_000);
      await r.h.pass(obj);
      assert.equal(reads() - before, 2);
      assert.match(String(r.h.status.get('lease')?.observed['ip']), /^10\.10\.0\.\d+\/24$/);
    } finally {
      r.h.reconciler = old;
    }
  });

  test("a DHCP container moved to another bridge shows the new network's lease, read again once", async () => {
    let obj = ct('mover', { vmid: 4650 });
    await r.h.converge(obj);
    const reads = (): number => r.count('GET /nodes/{node}/lxc/{vmid}/interfaces');
    const first = r.h.status.get('mover')?.observed['ip'];
    assert.match(String(first), /^\d+\.\d+\.\d+\.\d+\/\d+$/);
    const before = reads();
    await r.h.pass(obj);
    assert.equal(reads(), before, 'a converged pass does not read the lease again');
    obj = withSpec(obj, { network: { ...obj.spec.network, bridge: 'vmbr10' } });
    await r.h.converge(obj);
    assert.equal(reads(), before + 1, 'read again once, after the move');
    const now = (
      await r.pve.get<{ name: string; inet?: string }[]>('/nodes/pve/lxc/4650/interfaces')
    ).find((i) => i.name === 'eth0')?.inet;
    assert.equal(r.h.status.get('mover')?.observed['ip'], now, 'the lease on vmbr10');
    assert.match(String(r.h.status.get('mover')?.observed['ipOn']), /^vmbr10#/);
  });

  test('without the write-ahead inventory, an allocated VMID is recorded in status before the create call', async () => {
    r.h.withOwnership = false;
    try {
      const obj = ct('noinv');
      const posts = r.count('POST /nodes/{node}/lxc');
      const first = await r.h.pass(obj);
      assert.ok(!(first instanceof Error));
      assert.equal(first.requeueAfterMs, 0);
      assert.equal(first.observed?.['phase'], 'reserved');
      assert.equal(
        r.count('POST /nodes/{node}/lxc'),
        posts,
        'no create before the VMID is recorded',
      );
      await r.h.converge(obj);
      assert.equal(simCt(r, vmidOf(r, 'noinv'))?.status, 'running');
    } finally {
      r.h.withOwnership = true;
    }
  });
});
