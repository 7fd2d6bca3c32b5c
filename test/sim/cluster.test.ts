import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { LxcState } from '../../src/sim/lxc/state.js';
import { rawRequest, startSim } from '../helpers/sim.js';
import type { StartedSim } from '../helpers/sim.js';

function ct(vmid: number, status: 'running' | 'stopped', extra: LxcState['config'] = {}): LxcState {
  return {
    vmid,
    config: {
      hostname: `web${vmid}`,
      memory: 1024,
      swap: 512,
      cores: 2,
      rootfs: `local-lvm:vm-${vmid}-disk-0,size=8G`,
      ...extra,
    },
    pending: {},
    pendingDelete: [],
    status,
    ...(status === 'running' ? { startedAt: Date.UTC(2026, 0, 1), pid: 4242 } : {}),
  };
}

void describe('cluster endpoints (FACTS §9, §10)', () => {
  let s: StartedSim;
  before(async () => {
    s = await startSim({ nodes: ['pve1', 'pve2'] });
    const pve1 = s.sim.state.nodes.pve1!;
    pve1.lxc['100'] = ct(100, 'running', { tags: 'a;b', lock: 'backup' });
    pve1.lxc['101'] = ct(101, 'stopped');
  });
  after(() => s.close());

  void test('nextid answers the lowest free id as a STRING on the wire', async () => {
    const r = await rawRequest(`${s.url}/api2/json/cluster/nextid`, {
      headers: { Authorization: s.authHeader },
    });
    assert.equal(r.body, '{"data":"102"}');
  });

  void test('nextid?vmid= echoes a free id and refuses a taken one with 400', async () => {
    const free = await rawRequest(`${s.url}/api2/json/cluster/nextid?vmid=150`, {
      headers: { Authorization: s.authHeader },
    });
    assert.equal(free.body, '{"data":"150"}');
    const taken = await rawRequest(`${s.url}/api2/json/cluster/nextid?vmid=100`, {
      headers: { Authorization: s.authHeader },
    });
    assert.equal(taken.status, 400);
    assert.deepEqual(JSON.parse(taken.body), {
      data: null,
      errors: { vmid: 'VM 100 already exists' },
      message: 'Parameter verification failed.\n',
    });
    const invalid = await rawRequest(`${s.url}/api2/json/cluster/nextid?vmid=99`, {
      headers: { Authorization: s.authHeader },
    });
    assert.deepEqual(JSON.parse(invalid.body).errors, {
      vmid: 'invalid format - value does not look like a valid VM ID\n',
    });
  });

  void test('resources lists containers, nodes, storages and sdn, with numbers as numbers', async () => {
    const all = await s.api.cluster.resources.$get();
    const types = new Set(all.map((r) => r.type));
    assert.deepEqual([...types].sort(), ['lxc', 'node', 'sdn', 'storage']);
    const c100 = all.find((r) => r.id === 'lxc/100') as Record<string, unknown>;
    assert.equal(c100.vmid, 100);
    assert.equal(c100.node, 'pve1');
    assert.equal(c100.status, 'running');
    assert.equal(c100.name, 'web100');
    assert.equal(c100.maxmem, 1024 * 1024 ** 2);
    assert.equal(c100.maxdisk, 8 * 1024 ** 3);
    assert.equal(c100.tags, 'a;b');
    assert.equal(c100.lock, 'backup');
    assert.equal(c100.template, 0);
    const st = all.find((r) => r.id === 'storage/pve2/local-lvm') as Record<string, unknown>;
    assert.equal(st.plugintype, 'lvmthin');
    assert.equal(st.content, 'images,rootdir');
    assert.equal(st.shared, 0);
  });

  void test('resources?type=vm returns only guests, type=node only nodes', async () => {
    const vms = await s.api.cluster.resources.$get({ type: 'vm' });
    assert.deepEqual(vms.map((r) => r.id).sort(), ['lxc/100', 'lxc/101']);
    const nodes = await s.api.cluster.resources.$get({ type: 'node' });
    assert.deepEqual(nodes.map((r) => r.id).sort(), ['node/pve1', 'node/pve2']);
  });

  void test('an unreachable node makes its guests unknown in resources', async () => {
    s.sim.setNodeUnreachable('pve1', true);
    try {
      const vms = await s.api.cluster.resources.$get({ type: 'vm' });
      assert.ok(vms.every((v) => v.status === 'unknown'));
    } finally {
      s.sim.setNodeUnreachable('pve1', false);
    }
  });

  void test('storage content lists the seeded templates with realistic volids', async () => {
    const list = await s.api.nodes.$('pve1').storage.$('local').content.$get({ content: 'vztmpl' });
    assert.deepEqual(
      list.map((v) => v.volid),
      [
        'local:vztmpl/alpine-3.20-default_20240908_amd64.tar.xz',
        'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst',
        'local:vztmpl/ubuntu-24.04-standard_24.04-2_amd64.tar.zst',
      ],
    );
    for (const v of list) {
      assert.equal(v.content, 'vztmpl');
      assert.ok(['tzst', 'txz'].includes(v.format));
      assert.equal(typeof v.size, 'number');
      assert.equal(typeof v.ctime, 'number');
    }
    const none = await s.api.nodes.$('pve1').storage.$('local').content.$get({ content: 'iso' });
    assert.deepEqual(none, []);
  });

  void test('storage content of an unknown storage is 500 storage does not exist', async () => {
    const r = await rawRequest(`${s.url}/api2/json/nodes/pve1/storage/nfs1/content`, {
      headers: { Authorization: s.authHeader },
    });
    assert.equal(r.status, 500);
    assert.equal(JSON.parse(r.body).message, "storage 'nfs1' does not exist\n");
  });

  void test('node storage list filters by content', async () => {
    const list = await s.api.nodes.$('pve2').storage.$get({ content: 'rootdir' });
    assert.deepEqual(
      list.map((x) => x.storage),
      ['local-lvm'],
    );
  });

  void test('version, nodes, node status and cluster status describe a two-node cluster', async () => {
    assert.equal((await s.api.version.$get()).release, '9.1');
    const nodes = await s.api.nodes.$get();
    assert.deepEqual(
      nodes.map((n) => n.node),
      ['pve1', 'pve2'],
    );
    const status = await s.api.nodes.$('pve2').status.$get();
    assert.equal(typeof status.uptime, 'number');
    const cs = await s.api.cluster.status.$get();
    assert.equal(cs[0]?.type, 'cluster');
    assert.equal((cs[0] as Record<string, unknown>).nodes, 2);
    const n2 = cs.find((x) => x.name === 'pve2') as Record<string, unknown>;
    assert.equal(n2.ip, '192.168.100.11');
    assert.equal(n2.online, 1);
  });

  void test('the seeded node network comes from the network group (vmbr0 with the node ip)', () => {
    const net = s.sim.state.nodes.pve2!.network.active;
    assert.equal(net.vmbr0?.address, '192.168.100.11');
  });
});
