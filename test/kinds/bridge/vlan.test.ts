/**
 * Host VLAN interfaces (issue 13): `vmbr0.20` with the public address, or a named interface with
 * `vlan: { device, id }`, managed by the Bridge kind so that they are staged and applied in the same
 * reload as the node's bridges. Against the simulator over HTTP with the real client.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { startSim, type StartedSim } from '../../helpers/sim.js';
import { ManualClock } from '../../../src/core/clock.js';
import { isTerminal } from '../../../src/core/errors.js';
import type { ObjectOutcome } from '../../../src/core/kind.js';
import { createPveClient } from '../../../src/pve/client.js';
import type { NetworkIface, PveClient } from '../../../src/pve/types.js';
import { bridgeReconciler } from '../../../src/kinds/bridge/index.js';
import { applyNetworkByHand, bridge, Harness } from './harness.js';

describe('host VLAN interfaces', () => {
  const clock = new ManualClock();
  let s: StartedSim;
  let pve: PveClient;
  let h: Harness;
  const count = (k: string): number => pve.calls()[k]?.count ?? 0;
  const iface = async (name: string): Promise<NetworkIface | undefined> =>
    (await pve.listNetwork('pve')).ifaces.find((i) => i.iface === name);
  const outcome = (v: ObjectOutcome | Error | 'done' | undefined): ObjectOutcome => {
    assert.ok(v && v !== 'done' && !(v instanceof Error), `got ${JSON.stringify(v)}`);
    return v;
  };
  const applyByHand = (): Promise<void> => applyNetworkByHand(pve, clock);

  const pub = bridge('public', { iface: 'vmbr0.20', cidr: '203.0.113.5/24', comment: 'VLAN 20' });
  const mesh = bridge('mesh', { iface: 'vmbr9', cidr: '172.16.100.1/24' });
  const named = bridge('backup', { iface: 'backup30', vlan: { device: 'vmbr0', id: 30 } });

  before(async () => {
    s = await startSim({ clock });
    pve = createPveClient({
      url: s.url,
      tokenId: s.tokenId,
      tokenSecret: s.tokenSecret,
      clock,
      logger: pino({ level: 'silent' }),
    });
    h = new Harness(bridgeReconciler({ pve, clock, taskPollMs: 1000 }), clock);
  });
  after(async () => {
    await pve.close();
    await s.close();
  });

  test('a dotted and a named VLAN interface go out with a bridge in ONE reload', async () => {
    const r = await h.pass([pub, mesh, named]);
    assert.equal(count('POST /nodes/{node}/network'), 3);
    assert.equal(count('PUT /nodes/{node}/network'), 1, 'one apply task for the node');
    assert.match(outcome(r.get('public')).actions?.[0] ?? '', /^create vmbr0\.20 \(/);
    await h.converge([pub, mesh, named]);
    const v20 = await iface('vmbr0.20');
    assert.equal(v20?.type, 'vlan');
    assert.equal(v20?.cidr, '203.0.113.5/24');
    assert.equal(v20?.['vlan-raw-device'], 'vmbr0');
    const v30 = await iface('backup30');
    assert.equal(v30?.type, 'vlan');
    assert.equal(v30?.['vlan-raw-device'], 'vmbr0');
    assert.equal(String(v30?.['vlan-id']), '30');
    assert.equal((await iface('vmbr9'))?.type, 'bridge');
    assert.equal(count('PUT /nodes/{node}/network'), 1);
  });

  test('converged: the VLAN interfaces read back as desired (no change, no write)', async () => {
    const writes = count('POST /nodes/{node}/network') + count('PUT /nodes/{node}/network/{iface}');
    const r = await h.pass([pub, mesh, named]);
    for (const name of ['public', 'mesh', 'backup']) {
      const o = outcome(r.get(name));
      assert.equal(o.actions, undefined, name);
      assert.equal(o.notReady, undefined, name);
    }
    assert.equal(
      count('POST /nodes/{node}/network') + count('PUT /nodes/{node}/network/{iface}'),
      writes,
    );
  });

  test('an address changed by hand on the VLAN interface is drift, corrected', async () => {
    await pve.updateNetwork('pve', 'vmbr0.20', {
      type: 'vlan',
      cidr: '203.0.113.99/24',
      autostart: 1,
      comments: 'VLAN 20',
    });
    await applyByHand();
    const r = await h.pass([pub, mesh, named]);
    const o = outcome(r.get('public'));
    assert.deepEqual(o.drift, [
      { field: 'cidr', desired: '203.0.113.5/24', actual: '203.0.113.99/24' },
    ]);
    assert.equal(o.driftCorrected, true);
    await h.converge([pub, mesh, named]);
    assert.equal((await iface('vmbr0.20'))?.cidr, '203.0.113.5/24');
  });

  test('a VLAN interface where a bridge of that name exists is refused (NotAVlan)', async () => {
    const clash = bridge('clash', { iface: 'vmbr9x', vlan: { device: 'vmbr0', id: 40 } });
    await pve.createNetwork('pve', 'vmbr9x', { type: 'bridge', autostart: 1 });
    await applyByHand();
    const r = await h.pass([clash]);
    const err = r.get('clash');
    assert.ok(isTerminal(err), JSON.stringify(err));
    assert.equal(err.reason, 'NotAVlan');
    assert.equal((await iface('vmbr9x'))?.type, 'bridge', 'left untouched');
    await pve.deleteNetwork('pve', 'vmbr9x');
    await applyByHand();
  });

  test('deleting the objects removes the VLAN interfaces with one reload', async () => {
    const gone = [pub, named].map((o) => ({ ...o, deletionRequested: true }));
    const applies = count('PUT /nodes/{node}/network');
    let r = await h.finalize(gone);
    for (let i = 0; i < 20 && [...r.values()].some((v) => v !== 'done'); i++) {
      clock.advance(1000);
      r = await h.finalize(gone);
    }
    assert.deepEqual([...r.values()], ['done', 'done']);
    assert.equal(count('PUT /nodes/{node}/network'), applies + 1);
    assert.equal(await iface('vmbr0.20'), undefined);
    assert.equal(await iface('backup30'), undefined);
    assert.equal((await iface('vmbr9'))?.type, 'bridge', 'the bridge stays');
  });
});
