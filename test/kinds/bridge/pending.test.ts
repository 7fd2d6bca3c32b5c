/**
 * Whose are the staged network changes? `changes` diffs and pending views produced by the simulator
 * (over HTTP, real client) for the situations a restarted pxr meets, plus hand-written diffs for
 * what the simulator never writes.
 */
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { startSim, type StartedSim } from '../../helpers/sim.js';
import { ManualClock } from '../../../src/core/clock.js';
import { createPveClient } from '../../../src/pve/client.js';
import type { NetworkParams, PveClient } from '../../../src/pve/types.js';
import { normalizeSpec } from '../../../src/kinds/bridge/normalize.js';
import { classifyPending, type OwnedBridge } from '../../../src/kinds/bridge/pending.js';
import { stagedIfaces } from '../../../src/kinds/bridge/pending-diff.js';
import type { BridgeSpecInput } from '../../../src/kinds/bridge/spec.js';

const LONG: NetworkParams = {
  type: 'bridge',
  autostart: 1,
  cidr: '10.0.0.1/24',
  bridge_vlan_aware: 1,
  mtu: 9000,
  comments: 'one',
};

function owns(iface: string, spec?: Omit<BridgeSpecInput, 'node' | 'iface'>): OwnedBridge {
  return {
    iface,
    owner: `obj-${iface}`,
    desired: spec ? normalizeSpec({ node: 'pve', iface, ...spec }) : undefined,
    ignoreFields: [],
  };
}

describe('staged changes: ours or foreign (simulator diffs)', () => {
  const clock = new ManualClock();
  let s: StartedSim;
  let pve: PveClient;
  const apply = async (): Promise<void> => {
    const upid = await pve.applyNetwork('pve');
    for (let i = 0; i < 30 && (await pve.taskStatus('pve', upid)).status === 'running'; i++) {
      clock.advance(1000);
    }
  };
  const classify = async (
    owned: OwnedBridge[],
  ): Promise<ReturnType<typeof classifyPending> & { changes: string }> => {
    const net = await pve.listNetwork('pve');
    assert.ok(net.changes, 'something is staged');
    const pending = new Map(net.ifaces.map((i) => [i.iface, i]));
    const v = classifyPending(net.changes, pending, new Map(owned.map((o) => [o.iface, o])));
    return { ...v, changes: net.changes };
  };

  before(async () => {
    s = await startSim({ clock });
    pve = createPveClient({
      url: s.url,
      tokenId: s.tokenId,
      tokenSecret: s.tokenSecret,
      clock,
      logger: pino({ level: 'silent' }),
    });
  });
  beforeEach(async () => {
    if ((await pve.listNetwork('pve')).changes) await pve.revertNetwork('pve');
  });
  after(async () => {
    await pve.close();
    await s.close();
  });

  const longSpec = { cidr: '10.0.0.1/24', vlanAware: true, mtu: 9000, comment: 'one' };

  test('a staged new bridge that pxr owns, exactly as its spec, is ours', async () => {
    await pve.createNetwork('pve', 'vmbr1', LONG);
    const v = await classify([owns('vmbr1', longSpec)]);
    assert.deepEqual(v.ours && v.ifaces, ['vmbr1']);
  });

  test('the same staging is foreign when the bridge is not in the inventory or differs from the spec', async () => {
    await pve.createNetwork('pve', 'vmbr1', LONG);
    const notOwned = await classify([]);
    assert.equal(!notOwned.ours && notOwned.reason, 'vmbr1 is not a bridge pxr owns');
    const other = await classify([owns('vmbr1', { ...longSpec, mtu: 1500 })]);
    assert.equal(!other.ours && other.reason, 'staged mtu of vmbr1 differ from obj-vmbr1');
  });

  test('a comment change deep in a stanza (hunk without the stanza name) is placed by its staged lines', async () => {
    await pve.createNetwork('pve', 'vmbr1', LONG);
    await apply();
    await pve.updateNetwork('pve', 'vmbr1', { ...LONG, comments: 'two' });
    const v = await classify([owns('vmbr1', { ...longSpec, comment: 'two' })]);
    assert.doesNotMatch(v.changes, /iface vmbr1/, 'the diff does not name the stanza');
    assert.deepEqual(v.ours && v.ifaces, ['vmbr1']);
    const staleSpec = await classify([owns('vmbr1', longSpec)]);
    assert.match(!staleSpec.ours ? staleSpec.reason : '', /staged comments of vmbr1 differ/);
  });

  test('when the staged lines fit two bridges, the change is not attributed (foreign)', async () => {
    // vmbr2 already has the comment vmbr3 is getting: the staged lines fit both.
    const { cidr: _cidr, ...noCidr } = LONG;
    await pve.createNetwork('pve', 'vmbr2', { ...noCidr, comments: 'two' });
    await pve.createNetwork('pve', 'vmbr3', noCidr);
    await apply();
    await pve.updateNetwork('pve', 'vmbr3', { ...noCidr, comments: 'two' });
    const spec = { vlanAware: true, mtu: 9000 };
    const v = await classify([
      owns('vmbr2', { ...spec, comment: 'two' }),
      owns('vmbr3', { ...spec, comment: 'two' }),
    ]);
    assert.equal(!v.ours && v.reason, 'some staged lines cannot be attributed to an interface');
    // Clean up for the next tests: remove what this test made live.
    await pve.revertNetwork('pve');
    await pve.deleteNetwork('pve', 'vmbr2');
    await pve.deleteNetwork('pve', 'vmbr3');
    await apply();
  });

  test('a staged removal is ours only for a bridge pxr owns that should not exist', async () => {
    await pve.deleteNetwork('pve', 'vmbr1');
    const deleting = await classify([owns('vmbr1')]);
    assert.deepEqual(deleting.ours && deleting.ifaces, ['vmbr1']);
    const live = await classify([owns('vmbr1', longSpec)]);
    assert.equal(!live.ours && live.reason, 'vmbr1 is staged for removal');
  });

  test('an edit of an interface pxr does not own makes everything foreign', async () => {
    await pve.createNetwork('pve', 'vmbr7', { type: 'bridge', autostart: 1 });
    await pve.updateNetwork('pve', 'vmbr0', {
      type: 'bridge',
      bridge_ports: 'eno1',
      cidr: '192.168.100.10/24',
      gateway: '192.168.100.1',
      autostart: 1,
      comments: 'edited',
    });
    const v = await classify([owns('vmbr7', {})]);
    assert.equal(!v.ours && v.reason, 'vmbr0 is not a bridge pxr owns');
  });
});

describe('staged interfaces of hand-written diffs', () => {
  const header = '--- /etc/network/interfaces\t2026\n+++ /etc/network/interfaces.new\t2026\n';

  test('a changed source directive is top level, not an interface', () => {
    const d = `${header}@@ -1,3 +1,4 @@\n # network interface settings\n+source /etc/network/interfaces.d/*\n \n auto lo\n`;
    const r = stagedIfaces(d);
    assert.equal(r.topLevel, 1);
    assert.equal(r.ifaces.size, 0);
  });

  test('lines under an unknown keyword are unattributed; removed and added stanzas are both counted', () => {
    const d = `${header}@@ -10,6 +10,6 @@\n \n-auto vmbr1\n-iface vmbr1 inet manual\n+auto vmbr2\n+iface vmbr2 inet manual\n \tbridge-ports none\n \n mapping eth0\n+\tscript /x\n`;
    const r = stagedIfaces(d);
    assert.deepEqual([...r.ifaces].sort(), ['vmbr1', 'vmbr2']);
    assert.equal(r.unattributed, 1);
  });

  test('a hunk starting mid-stanza yields a segment with the staged lines', () => {
    const d = `${header}@@ -37,5 +37,5 @@\n \tbridge-vids 2-4094\n \tmtu 9000\n-#one\n+#two\n \n`;
    const r = stagedIfaces(d);
    assert.equal(r.ifaces.size, 0);
    assert.deepEqual(r.segments, [
      { pendingLines: ['\tbridge-vids 2-4094', '\tmtu 9000', '#two'], changed: 2 },
    ]);
  });
});
