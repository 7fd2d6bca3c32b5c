// node:test tracks the promises of describe/test itself.

import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startSim } from '../helpers/sim.js';
import type { StartedSim } from '../helpers/sim.js';
import { seedNodeNetwork } from '../../src/sim/network/seed.js';

interface Raw {
  status: number;
  statusText: string;
  contentType: string | null;
  body: Record<string, unknown>;
}

describe('simulator host network over HTTP', () => {
  let s: StartedSim;
  const nodeIp = '192.168.100.11';

  before(async () => {
    s = await startSim({ taskTimeScale: 0.001 });
  });
  after(async () => {
    await s.close();
  });
  beforeEach(() => {
    // every test starts from a freshly installed node
    (s.sim.state.nodes.pve as { network: unknown }).network = seedNodeNetwork({
      node: 'pve',
      ip: nodeIp,
      cidrBits: 24,
      gateway: '192.168.100.1',
    });
  });

  const net = () => s.api.nodes.$('pve').network;

  async function raw(method: string, path: string, params?: Record<string, string>): Promise<Raw> {
    const qs = new URLSearchParams(params).toString();
    const withBody = params !== undefined && (method === 'POST' || method === 'PUT');
    const url = `${s.url}/api2/json${path}${params && !withBody ? `?${qs}` : ''}`;
    const res = await fetch(url, {
      method,
      headers: {
        Authorization: s.authHeader,
        ...(withBody ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(withBody ? { body: qs } : {}),
    });
    const text = await res.text();
    return {
      status: res.status,
      statusText: res.statusText,
      contentType: res.headers.get('content-type'),
      body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
    };
  }

  async function waitTask(upid: string): Promise<{ status: string; exitstatus?: string }> {
    for (let i = 0; i < 500; i++) {
      const st = await s.api.nodes.$('pve').tasks.$(upid).status.$get();
      if (st.status === 'stopped') return st;
      await new Promise((r) => setImmediate(r));
    }
    assert.fail(`task ${upid} did not stop`);
  }

  function expectParamError(r: Raw, errors: Record<string, string>): void {
    assert.equal(r.status, 400);
    assert.equal(r.statusText, 'Parameter verification failed.');
    assert.deepEqual(r.body, {
      data: null,
      message: 'Parameter verification failed.\n',
      errors,
    });
  }

  const names = (list: readonly object[]): string[] =>
    list.map((i) => String((i as { iface?: unknown }).iface)).sort();

  test('a fresh node lists four active NICs and vmbr0, never lo, and no changes', async () => {
    const r = await raw('GET', '/nodes/pve/network');
    assert.equal(r.status, 200);
    assert.equal(r.contentType, 'application/json;charset=UTF-8');
    assert.deepEqual(Object.keys(r.body), ['data']);
    const list = r.body.data as Record<string, unknown>[];
    assert.deepEqual(names(list as { iface: string }[]), ['eno1', 'eno2', 'eno3', 'eno4', 'vmbr0']);
    const vmbr0 = list.find((i) => i.iface === 'vmbr0');
    assert.deepEqual(vmbr0, {
      active: 1,
      address: nodeIp,
      autostart: 1,
      bridge_fd: '0',
      bridge_ports: 'eno1',
      bridge_stp: 'off',
      cidr: `${nodeIp}/24`,
      families: ['inet'],
      gateway: '192.168.100.1',
      iface: 'vmbr0',
      method: 'static',
      method6: 'manual',
      netmask: '24',
      priority: 7,
      type: 'bridge',
    });
    const eno3 = list.find((i) => i.iface === 'eno3');
    assert.equal(eno3?.type, 'eth');
    assert.equal(eno3?.active, 1);
    assert.equal(eno3?.exists, 1);
    assert.equal(eno3?.method, 'manual');
  });

  test('a created bridge is staged: listed with a changes diff, not active, until reload', async () => {
    await net().$post({
      iface: 'vmbr1',
      type: 'bridge',
      cidr: '10.0.0.1/24',
      bridge_ports: 'eno2',
      autostart: true,
      comments: 'app lan',
    });
    const r = await raw('GET', '/nodes/pve/network');
    assert.deepEqual(Object.keys(r.body).sort(), ['changes', 'data']);
    const changes = r.body.changes as string;
    assert.match(changes, /^--- \/etc\/network\/interfaces\t\S+ \S+ \+0000\n/);
    assert.match(changes, /\n\+\+\+ \/etc\/network\/interfaces\.new\t\S+ \S+ \+0000\n@@ /);
    assert.ok(
      changes.includes(
        '+auto vmbr1\n+iface vmbr1 inet static\n+\taddress 10.0.0.1/24\n' +
          '+\tbridge-ports eno2\n+\tbridge-stp off\n+\tbridge-fd 0\n+#app lan\n',
      ),
      changes,
    );
    const vmbr1 = await net().$('vmbr1').$get();
    assert.equal(vmbr1.type, 'bridge');
    assert.equal(vmbr1.method, 'static');
    assert.equal((vmbr1 as Record<string, unknown>).cidr, '10.0.0.1/24');
    assert.equal((vmbr1 as Record<string, unknown>).comments, 'app lan\n');
    assert.equal((vmbr1 as Record<string, unknown>).active, undefined);
    assert.equal((vmbr1 as Record<string, unknown>).iface, undefined, 'only the list adds iface');
    assert.equal(
      s.sim.state.nodes.pve?.network.active.vmbr1,
      undefined,
      'the running file is untouched',
    );
  });

  test('reload runs a srvreload task that makes the staged bridge active', async () => {
    await net().$post({ iface: 'vmbr1', type: 'bridge', bridge_ports: 'eno2', autostart: true });
    const upid = await net().$put();
    assert.match(
      upid,
      /^UPID:pve:[0-9A-F]{8}:[0-9A-F]{8}:[0-9A-F]{8}:srvreload:networking:root@pam!pxr:$/,
    );
    const st = await waitTask(upid);
    assert.equal(st.exitstatus, 'OK');
    const r = await raw('GET', '/nodes/pve/network');
    assert.deepEqual(Object.keys(r.body), ['data'], 'nothing pending after the reload');
    const vmbr1 = (r.body.data as Record<string, unknown>[]).find((i) => i.iface === 'vmbr1');
    assert.equal(vmbr1?.active, 1);
    assert.equal(vmbr1?.bridge_ports, 'eno2');
  });

  test('reload with nothing pending still runs and succeeds', async () => {
    const st = await waitTask(await net().$put());
    assert.equal(st.exitstatus, 'OK');
  });

  test('update with delete= removes settings in the staged file', async () => {
    await net().$post({
      iface: 'vmbr1',
      type: 'bridge',
      cidr: '10.0.0.1/24',
      autostart: true,
      mtu: 1400,
    });
    await waitTask(await net().$put());
    await net().$('vmbr1').$put({ type: 'bridge', delete: 'cidr,mtu', comments: 'no ip' });
    const d = (await net().$('vmbr1').$get()) as Record<string, unknown>;
    assert.equal(d.address, undefined);
    assert.equal(d.cidr, undefined);
    assert.equal(d.mtu, undefined);
    assert.equal(d.method, 'manual');
    assert.equal(d.comments, 'no ip\n');
    assert.equal(d.active, 1, 'still up: the running interface has not been reloaded');
    const changes = (await raw('GET', '/nodes/pve/network')).body.changes as string;
    assert.ok(changes.includes('-iface vmbr1 inet static\n-\taddress 10.0.0.1/24\n'), changes);
    assert.ok(changes.includes('+iface vmbr1 inet manual\n'), changes);
  });

  test('bridge_vlan_aware=0 still makes a VLAN-aware bridge; only delete= turns it off', async () => {
    await net().$post({ iface: 'vmbr1', type: 'bridge', bridge_vlan_aware: false });
    let d = (await net().$('vmbr1').$get()) as Record<string, unknown>;
    assert.equal(d.bridge_vlan_aware, 1);
    assert.equal(d.bridge_vids, '2-4094');
    await net().$('vmbr1').$put({ type: 'bridge', delete: 'bridge_vlan_aware,bridge_vids' });
    d = await net().$('vmbr1').$get();
    assert.equal(d.bridge_vlan_aware, undefined);
    assert.equal(d.bridge_vids, undefined);
  });

  test('a deleted bridge stays active until the reload removes it', async () => {
    await net().$post({ iface: 'vmbr1', type: 'bridge', autostart: true });
    await waitTask(await net().$put());
    await net().$('vmbr1').$delete();
    assert.deepEqual(names(await net().$get()), ['eno1', 'eno2', 'eno3', 'eno4', 'vmbr0']);
    assert.ok(s.sim.state.nodes.pve?.network.up?.includes('vmbr1'));
    await waitTask(await net().$put());
    assert.deepEqual(names(await net().$get()), ['eno1', 'eno2', 'eno3', 'eno4', 'vmbr0']);
    assert.equal(s.sim.state.nodes.pve?.network.up?.includes('vmbr1'), false);
  });

  test('revert drops the staged changes', async () => {
    await net().$post({ iface: 'vmbr2', type: 'bridge' });
    assert.ok((await raw('GET', '/nodes/pve/network')).body.changes);
    assert.equal(await net().$delete(), null);
    const r = await raw('GET', '/nodes/pve/network');
    assert.deepEqual(Object.keys(r.body), ['data']);
    assert.ok(!names(r.body.data as { iface: string }[]).includes('vmbr2'));
  });

  test('?type= filters the list', async () => {
    await net().$post({ iface: 'vmbr1', type: 'bridge' });
    await net().$post({ iface: 'bond0', type: 'bond', slaves: 'eno3 eno4' });
    assert.deepEqual(names(await net().$get({ type: 'bridge' })), ['vmbr0', 'vmbr1']);
    assert.deepEqual(names(await net().$get({ type: 'any_bridge' })), ['vmbr0', 'vmbr1']);
    assert.deepEqual(names(await net().$get({ type: 'eth' })), ['eno1', 'eno2', 'eno3', 'eno4']);
    assert.deepEqual(names(await net().$get({ type: 'bond' })), ['bond0']);
    assert.deepEqual(names(await net().$get({ type: 'vlan' })), []);
    const r = await raw('GET', '/nodes/pve/network', { type: 'bridges' });
    assert.equal(r.status, 400);
    assert.match((r.body.errors as Record<string, string>).type ?? '', /enumeration/);
  });

  describe('errors, with exact status and text', () => {
    test('creating an existing interface', async () => {
      expectParamError(
        await raw('POST', '/nodes/pve/network', { iface: 'vmbr0', type: 'bridge' }),
        {
          iface: 'interface already exists',
        },
      );
    });
    test('a second default gateway', async () => {
      const r = await raw('POST', '/nodes/pve/network', {
        iface: 'vmbr1',
        type: 'bridge',
        cidr: '10.0.0.2/24',
        gateway: '10.0.0.1',
      });
      expectParamError(r, { gateway: "Default gateway already exists on interface 'vmbr0'." });
    });
    test('a port already in another bridge', async () => {
      const r = await raw('POST', '/nodes/pve/network', {
        iface: 'vmbr1',
        type: 'bridge',
        bridge_ports: 'eno1',
      });
      expectParamError(r, { bridge_ports: "eno1 is already used on interface 'vmbr0'." });
    });
    test('address together with cidr', async () => {
      const r = await raw('POST', '/nodes/pve/network', {
        iface: 'vmbr1',
        type: 'bridge',
        cidr: '10.0.0.1/24',
        address: '10.0.0.1',
        netmask: '255.255.255.0',
      });
      expectParamError(r, { address: 'address conflicts with cidr' });
    });
    test('address without netmask (the schema says requires)', async () => {
      const r = await raw('POST', '/nodes/pve/network', {
        iface: 'vmbr1',
        type: 'bridge',
        address: '10.0.0.1',
      });
      expectParamError(r, { netmask: "missing property required by 'address'" });
    });
    test('update without type (type is required on PUT)', async () => {
      const r = await raw('PUT', '/nodes/pve/network/vmbr0', { comments: 'x' });
      expectParamError(r, { type: 'property is missing and it is not optional' });
    });
    test('update, read or delete of a missing interface', async () => {
      const missing = { iface: 'interface does not exist' };
      expectParamError(await raw('PUT', '/nodes/pve/network/vmbr9', { type: 'bridge' }), missing);
      expectParamError(await raw('GET', '/nodes/pve/network/vmbr9'), missing);
      expectParamError(await raw('DELETE', '/nodes/pve/network/vmbr9'), missing);
    });
    test('an interface name Proxmox refuses (pve-iface format)', async () => {
      const r = await raw('POST', '/nodes/pve/network', { iface: 'proximity-lan', type: 'bridge' });
      assert.equal(r.status, 400);
      assert.match(
        (r.body.errors as Record<string, string>).iface ?? '',
        /^invalid format - invalid network interface name 'proximity-lan'/,
      );
      assert.equal(s.sim.state.nodes.pve?.network.pending, null);
    });
    test('a bridge port that does not exist dies in the writer with a 500', async () => {
      const r = await raw('POST', '/nodes/pve/network', {
        iface: 'vmbr1',
        type: 'bridge',
        bridge_ports: 'eno9',
      });
      assert.equal(r.status, 500);
      assert.equal(r.statusText, "bridge 'vmbr1' - unable to find bridge port 'eno9'");
      assert.deepEqual(r.body, {
        data: null,
        message: "bridge 'vmbr1' - unable to find bridge port 'eno9'\n",
      });
    });
  });
});

describe('simulator host network: bridges need an SDN privilege to be listed', () => {
  let s: StartedSim;
  before(async () => {
    s = await startSim({ tokenPrivs: ['Sys.Audit', 'SDN.Audit'] });
  });
  after(async () => {
    await s.close();
  });

  test('a token with SDN.Audit sees vmbr0 in the list', async () => {
    const list = await s.api.nodes.$('pve').network.$get();
    assert.ok(list.some((i) => i.iface === 'vmbr0'));
  });
});

describe('simulator host network permissions', () => {
  let s: StartedSim;
  before(async () => {
    s = await startSim({ taskTimeScale: 0.001, tokenPrivs: ['Sys.Audit'] });
  });
  after(async () => {
    await s.close();
  });

  test('Sys.Audit may read but not stage changes (Sys.Modify on /nodes/{node})', async () => {
    assert.equal((await s.api.nodes.$('pve').network.$('vmbr0').$get()).type, 'bridge');
    const res = await fetch(`${s.url}/api2/json/nodes/pve/network`, {
      method: 'POST',
      headers: { Authorization: s.authHeader, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'iface=vmbr1&type=bridge',
    });
    assert.equal(res.status, 403);
    assert.equal(s.sim.state.nodes.pve?.network.pending, null);
  });

  test('without SDN.Audit or SDN.Use the list hides every bridge, like check_sdn_bridge', async () => {
    const list = await s.api.nodes.$('pve').network.$get();
    assert.deepEqual(list.map((i) => String(i.iface)).sort(), ['eno1', 'eno2', 'eno3', 'eno4']);
  });
});
