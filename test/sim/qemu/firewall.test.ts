/**
 * A VM's firewall (`/nodes/{node}/qemu/{vmid}/firewall/...`) over HTTP with the proxmox-api client:
 * the same families as a container's, kept apart from it, and gone with the VM.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pveError } from '../../helpers/sim.js';
import { NODE, qemuRig, type QemuRig } from './rig.js';

type Item = Record<string, unknown>;

describe('simulated VM firewall', () => {
  let r: QemuRig;
  const vm = (vmid = 200) => r.s.api.nodes.$(NODE).qemu.$(vmid).firewall;

  before(async () => {
    r = await qemuRig();
    await r.create(200, { net0: 'virtio,bridge=vmbr0,firewall=1' });
  });
  after(() => r.close());

  test('a missing VM answers like every qemu endpoint', async () => {
    const failure = await pveError(vm(999).rules.$get());
    assert.equal(failure.status, 500);
    assert.equal(
      failure.reason,
      "Configuration file 'nodes/pve/qemu-server/999.conf' does not exist",
    );
  });

  test('reads create nothing; options, IP sets, aliases and netN rules round-trip', async () => {
    assert.deepEqual(await vm().rules.$get(), []);
    assert.equal(r.s.sim.state.nodes[NODE]?.guestFirewall['200'], undefined);
    assert.deepEqual(
      ((await vm().$get()) as Item[]).map((d) => d.name),
      ['rules', 'aliases', 'ipset', 'refs', 'options'],
    );
    await vm().options.$put({ enable: true, policy_in: 'DROP' });
    const opts = (await vm().options.$get()) as Item;
    assert.deepEqual(opts, { enable: 1, policy_in: 'DROP', digest: opts.digest });
    await vm().ipset.$post({ name: 'peers' });
    await vm().ipset.$('peers').$post({ cidr: '10.20.0.0/24' });
    await vm().aliases.$post({ name: 'gw', cidr: '10.20.0.1' });
    const bad = await pveError(vm().rules.$post({ type: 'forward' as 'in', action: 'ACCEPT' }));
    assert.equal(bad.status, 400, 'a VM rule is in/out/group only (env vm)');
    await vm().rules.$post({
      type: 'in',
      action: 'ACCEPT',
      iface: 'net0',
      source: '+peers',
      dest: 'gw',
    });
    const rules = (await vm().rules.$get()) as Item[];
    assert.deepEqual(
      rules.map((x) => [x.pos, x.type, x.iface, x.source, x.dest, x.ipversion]),
      [[0, 'in', 'net0', '+peers', 'gw', 4]],
    );
    const refs = (await vm().refs.$get({ type: 'ipset' })) as Item[];
    assert.deepEqual(
      refs.filter((x) => x.scope === 'guest').map((x) => x.ref),
      ['+peers'],
    );
  });

  test('destroying the VM drops its firewall config', async () => {
    const upid = await r.s.api.nodes.$(NODE).qemu.$(200).$delete({});
    assert.equal(await r.finish(String(upid)), 'OK');
    assert.equal(r.s.sim.state.nodes[NODE]?.guestFirewall['200'], undefined);
  });
});
