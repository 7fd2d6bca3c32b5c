/**
 * Firewall list formats on the wire: IP set entry order, and the lists of a container that has no
 * `<vmid>.fw` file yet.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rawRequest, startSim } from '../helpers/sim.js';
import type { RawResponse, StartedSim } from '../helpers/sim.js';
import { waitFor } from '../helpers/wait.js';

const DEBIAN = 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst';

void describe('firewall lists on the wire (pve-firewall)', () => {
  let s: StartedSim;
  before(async () => {
    s = await startSim({ taskTimeScale: 0 });
  });
  after(() => s.close());

  function call(method: string, path: string, form?: Record<string, string>): Promise<RawResponse> {
    const body = form ? new URLSearchParams(form).toString() : undefined;
    const headers: Record<string, string> = { Authorization: s.authHeader };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
      headers['Content-Length'] = String(Buffer.byteLength(body));
    }
    return rawRequest(`${s.url}/api2/json${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body } : {}),
    });
  }

  // PVE/Firewall.pm $format_ipsets writes `sort keys %$nethash` and IPSet.pm reads the file back,
  // so entries come back in Perl string order of their CIDR, not in the order they were added.
  void test('IP set entries come back sorted by CIDR text', async () => {
    assert.equal((await call('POST', '/cluster/firewall/ipset', { name: 'order' })).status, 200);
    for (const cidr of ['192.168.0.1', '10.0.0.0/8', '172.16.5.4', '10.0.0.10', '100.64.0.1']) {
      const r = await call('POST', '/cluster/firewall/ipset/order', { cidr });
      assert.equal(r.status, 200, cidr);
    }
    const r = await call('GET', '/cluster/firewall/ipset/order');
    const cidrs = (JSON.parse(r.body) as { data: { cidr: string }[] }).data.map((e) => e.cidr);
    assert.deepEqual(cidrs, ['10.0.0.0/8', '10.0.0.10', '100.64.0.1', '172.16.5.4', '192.168.0.1']);
  });

  // PVE/Firewall.pm load_vmfw_conf: a missing <vmid>.fw parses as an empty config, so the rule,
  // IP set and alias lists of such a container are empty arrays, not errors.
  void test('a container without a .fw file lists [] for rules, ipset and aliases', async () => {
    const create = await call('POST', '/nodes/pve/lxc', {
      vmid: '150',
      ostemplate: DEBIAN,
      storage: 'local-lvm',
    });
    assert.equal(create.status, 200);
    await waitFor('CT 150 created', async () => {
      const r = await call('GET', '/nodes/pve/lxc/150/config');
      return r.status === 200 && !r.body.includes('"lock"');
    });
    assert.equal(s.sim.state.nodes.pve?.guestFirewall['150'], undefined, 'no .fw yet');
    for (const list of ['rules', 'ipset', 'aliases']) {
      const r = await call('GET', `/nodes/pve/lxc/150/firewall/${list}`);
      assert.equal(r.status, 200, list);
      assert.equal(r.body, '{"data":[]}', list);
    }
    assert.equal(s.sim.state.nodes.pve?.guestFirewall['150'], undefined, 'reads wrote no .fw');
  });
});
