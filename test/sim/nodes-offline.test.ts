/**
 * Node membership on the wire: what `/nodes` and `/cluster/resources` show for a node that is cut
 * off (595) or whose pveproxy fails the TLS handshake (596), and the `/nodes` entry format.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rawRequest, startSim } from '../helpers/sim.js';
import type { StartedSim } from '../helpers/sim.js';

type Entry = Record<string, unknown>;

void describe('unreachable nodes (pve-manager PVE/API2Tools.pm extract_node_stats)', () => {
  let s: StartedSim;
  let auth: Record<string, string>;
  before(async () => {
    s = await startSim({ nodes: ['pve1', 'pve2'] });
    auth = { Authorization: s.authHeader };
  });
  after(() => s.close());

  async function get(path: string): Promise<{ status: number; reason: string; data: Entry[] }> {
    const r = await rawRequest(`${s.url}/api2/json${path}`, { headers: auth });
    const data = r.body === '' ? [] : (JSON.parse(r.body) as { data: Entry[] }).data;
    return { status: r.status, reason: r.reason, data };
  }

  const node = (list: Entry[], name: string): Entry => {
    const e = list.find((x) => x.node === name && x.type === 'node');
    assert.ok(e, `no entry for ${name}`);
    return e;
  };

  // PVE/API2/Nodes.pm index: extract_node_stats (keeps type) + PVE::Cluster::get_node_fingerprint.
  void test('/nodes entries carry type and the ssl_fingerprint of pve-ssl.pem', async () => {
    const { data } = await get('/nodes');
    const certs = await get('/nodes/pve1/certificates/info');
    const ssl = certs.data.find((c) => c.filename === 'pve-ssl.pem');
    assert.ok(ssl);
    const e = node(data, 'pve1');
    assert.equal(e.type, 'node');
    assert.equal(e.id, 'node/pve1');
    assert.equal(e.ssl_fingerprint, ssl.fingerprint);
    assert.match(String(e.ssl_fingerprint), /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    assert.notEqual(node(data, 'pve2').ssl_fingerprint, e.ssl_fingerprint);
  });

  // extract_node_stats: uptime/cpu/mem/disk only when $members->{$node}->{online}; else 'offline'.
  void test('a cut-off node is offline with no live figures, its guests unknown, proxying 595', async () => {
    s.sim.setNodeUnreachable('pve2', true);
    try {
      for (const path of ['/nodes', '/cluster/resources?type=node']) {
        const { data } = await get(path);
        const e = node(data, 'pve2');
        assert.equal(e.status, 'offline', path);
        for (const k of ['uptime', 'cpu', 'mem', 'disk', 'cgroup-mode']) {
          assert.equal(k in e, false, `${path}: ${k} on an offline node`);
        }
        assert.equal(node(data, 'pve1').status, 'online');
        assert.equal(typeof node(data, 'pve1').uptime, 'number');
      }
      const storage = await get('/cluster/resources?type=storage');
      assert.ok(storage.data.filter((x) => x.node === 'pve2').every((x) => x.status === 'unknown'));
      const status = await get('/cluster/status');
      assert.equal(status.data.find((x) => x.name === 'pve2')?.online, 0);
      const proxied = await rawRequest(`${s.url}/api2/json/nodes/pve2/status`, { headers: auth });
      assert.equal(proxied.status, 595);
      assert.equal(proxied.body, '');
    } finally {
      s.sim.setNodeUnreachable('pve2', false);
    }
    assert.equal(node((await get('/nodes')).data, 'pve2').status, 'online');
  });

  // AnyEvent::HTTP answers 596 for TLS errors of the proxied connection; corosync still sees the
  // node, so it stays online in the lists.
  void test('596 can be injected through /_sim: the node stays online, proxying fails', async () => {
    const r = await rawRequest(`${s.url}/_sim/nodes/pve2/unreachable`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ unreachable: true, status: 596 }),
    });
    assert.equal(r.status, 200);
    try {
      const proxied = await rawRequest(`${s.url}/api2/json/nodes/pve2/status`, { headers: auth });
      assert.equal(proxied.status, 596);
      assert.equal(proxied.body, '');
      assert.equal(proxied.headers['content-type'], undefined);
      assert.equal(node((await get('/nodes')).data, 'pve2').status, 'online');
    } finally {
      s.sim.setNodeUnreachable('pve2', false);
    }
    const bad = await rawRequest(`${s.url}/_sim/nodes/pve2/unreachable`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ unreachable: true, status: 500 }),
    });
    assert.equal(bad.status, 400);
  });
});
