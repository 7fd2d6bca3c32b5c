/**
 * The bridge that carries the node's own address and default gateway (vmbr0 on a fresh Proxmox) is the
 * one pxr must never break: adopting it is fine, re-porting or removing it is refused unless the spec
 * says allowApiBridge.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { bridgeDoc, startHarness, type Harness } from './harness.js';
import { waitFor } from '../helpers/wait.js';
import { waitForPasses } from '../helpers/passes.js';

describe('the API bridge', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ resyncMs: 400 });
  });
  after(() => h.close());

  const vmbr0 = (): Record<string, unknown> | undefined =>
    h.sim.sim.state.nodes.pve!.network.active.vmbr0;
  const cond = (type: string): { status: string; reason: string; message: string } | undefined =>
    h.app.store
      .describe({ kind: 'Bridge', name: 'uplink' })
      ?.status.conditions.find((c) => c.type === type);

  test('is adopted when the spec says so and matches', async () => {
    h.write('keep.yaml', bridgeDoc('keeper', { iface: 'vmbr7', ports: [] }));
    h.write(
      'uplink.yaml',
      bridgeDoc('uplink', {
        iface: 'vmbr0',
        adopt: true,
        ports: ['eno1'],
        cidr: '192.168.100.10/24',
        gateway: '192.168.100.1',
        comment: 'uplink',
      }),
    );
    await waitFor('uplink Ready', () => cond('Ready')?.status === 'True');
    assert.equal(String(vmbr0()?.comments).trim(), 'uplink');
  });

  test('re-porting it is refused with a clear message and nothing changes', async () => {
    h.write(
      'uplink.yaml',
      bridgeDoc('uplink', {
        iface: 'vmbr0',
        adopt: true,
        ports: ['eno2'],
        cidr: '192.168.100.10/24',
        gateway: '192.168.100.1',
        comment: 'uplink',
      }),
    );
    await waitFor(
      'refusal',
      () =>
        cond('Ready')?.status === 'False' &&
        /allowApiBridge/.test(cond('Stalled')?.message ?? cond('Ready')?.message ?? ''),
    );
    assert.equal(vmbr0()?.bridge_ports, 'eno1');
  });

  test('removing its manifest never deletes it', async () => {
    h.remove('uplink.yaml');
    await waitFor(
      'object released',
      () => !h.app.store.describe({ kind: 'Bridge', name: 'uplink' }),
    );
    // Two more passes of the node (one key): at least one whole pass after the release, the one
    // that would have deleted or re-ported vmbr0.
    await waitForPasses(h.app.manager, 'Bridge', 2);
    assert.equal(vmbr0()?.bridge_ports, 'eno1', 'vmbr0 still there, still on eno1');
    assert.equal(vmbr0()?.cidr, '192.168.100.10/24');
  });
});
