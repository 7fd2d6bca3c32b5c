import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { driftSettings } from '../../../src/core/drift-policy.js';
import { isTerminal } from '../../../src/core/errors.js';
import type { NetworkIface } from '../../../src/pve/types.js';
import { admit } from '../../../src/core/admit.js';
import {
  plannedChanges,
  planBridge,
  restrictToAdmitted,
  type BridgeObserved,
} from '../../../src/kinds/bridge/plan.js';
import { isApiBridge, isRisky, nodeAddresses } from '../../../src/kinds/bridge/protect.js';
import { bridge } from './harness.js';

const vmbr1: NetworkIface = {
  iface: 'vmbr1',
  type: 'bridge',
  bridge_ports: 'eno2',
  cidr: '10.0.0.1/24',
  autostart: 1,
  comments: 'hand-made\n',
};
const net = (...items: NetworkIface[]): Map<string, NetworkIface> =>
  new Map(items.map((i) => [i.iface, i]));

describe('bridge planning', () => {
  const obj = bridge('lan', {
    iface: 'vmbr1',
    ports: ['eno2'],
    cidr: '10.0.0.1/24',
    comment: 'lab',
  });
  const owned: BridgeObserved = { node: 'pve', iface: 'vmbr1', owned: true, ownerUid: obj.uid };
  const plan = (
    prev: BridgeObserved,
    ifaces: Map<string, NetworkIface>,
    o = obj,
    converged = false,
  ): ReturnType<typeof planBridge> => planBridge({ obj: o, prev, converged }, ifaces);
  /** What apply stages once the runtime admitted the plan under `annotations`. */
  const staged = (p: ReturnType<typeof planBridge>, annotations: Record<string, string>) => {
    const a = admit({ changes: plannedChanges(p, 'pve') }, driftSettings(annotations));
    return { ...a, staged: restrictToAdmitted(p, new Set(a.plan.changes.map((c) => c.field))) };
  };

  test('an existing bridge pxr did not create is NotOwned (terminal), nothing is changed', () => {
    const p = plan({}, net(vmbr1));
    assert.ok(isTerminal(p.error));
    assert.equal(p.error.reason, 'NotOwned');
    assert.deepEqual(p.changes, []);
  });

  test('ownership recorded for another uid (a re-created object) does not count', () => {
    const p = plan({ ...owned, ownerUid: 'someone-else' }, net(vmbr1));
    assert.equal(isTerminal(p.error) && p.error.reason, 'NotOwned');
  });

  test('adopt: true takes the bridge over, records it as owned and adopted', () => {
    const adopting = { ...obj, spec: { ...obj.spec, adopt: true } };
    const p = plan({}, net(vmbr1), adopting);
    assert.equal(p.error, undefined);
    assert.deepEqual(
      p.events.map((e) => e.reason),
      ['Adopted'],
    );
    assert.equal(p.observed.owned, true);
    assert.equal(p.observed.adopted, true);
    assert.deepEqual(
      p.changes[0]?.fields.map((f) => f.field),
      ['comments'],
    );
  });

  test('an interface of another type with the same name is NotABridge', () => {
    const p = plan({}, net({ iface: 'vmbr1', type: 'eth' }));
    assert.equal(isTerminal(p.error) && p.error.reason, 'NotABridge');
  });

  test('a renamed iface deletes the old owned bridge and creates the new one', () => {
    const renamed = { ...obj, spec: { ...obj.spec, iface: 'vmbr5' } };
    const p = plan(owned, net(vmbr1), renamed);
    assert.deepEqual(
      p.changes.map((c) => `${c.op} ${c.iface}`),
      ['delete vmbr1', 'create vmbr5'],
    );
  });

  test('a bridge moved to another node leaves the old one in place, with a warning', () => {
    const moved = { ...obj, spec: { ...obj.spec, node: 'pve2' } };
    const p = plan(owned, net(), moved);
    assert.deepEqual(
      p.changes.map((c) => `${c.op} ${c.iface}`),
      ['create vmbr1'],
    );
    assert.deepEqual(
      p.events.map((e) => `${e.type} ${e.reason}`),
      ['Warning LeftBehind'],
    );
  });

  test('differences before convergence are changes, not drift', () => {
    const p = plan(owned, net(vmbr1), obj, false);
    assert.equal(p.isDrift, false);
    assert.equal(p.changes[0]?.op, 'update');
    assert.deepEqual(
      plannedChanges(p, 'pve').map((c) => [c.field, c.drift, c.calls[0]]),
      [
        [
          'comments',
          false,
          'PUT /nodes/pve/network/vmbr1 type=bridge autostart=1 bridge_ports=eno2 cidr=10.0.0.1/24 comments=lab',
        ],
      ],
    );
  });

  test('after convergence, differences are drift corrected under the default policy', () => {
    const p = plan(owned, net(vmbr1), obj, true);
    const a = staged(p, {});
    assert.deepEqual(a.drift, [{ field: 'comments', desired: 'lab', actual: 'hand-made' }]);
    assert.equal(a.corrected, true);
    assert.equal(a.staged.length, 1);
  });

  test('pxr/drift: alert reports without changing; ignore neither reports nor changes', () => {
    const p = plan(owned, net(vmbr1), obj, true);
    const alert = staged(p, { 'pxr/drift': 'alert' });
    assert.equal(alert.drift.length, 1);
    assert.equal(alert.corrected, false);
    assert.deepEqual(alert.staged, []);
    const ignore = staged(p, { 'pxr/drift': 'ignore' });
    assert.deepEqual(ignore.drift, []);
    assert.deepEqual(ignore.staged, []);
  });

  test('a bridge removed by hand is `exists` drift; under alert it is not re-created', () => {
    const p = plan(owned, net(), obj, true);
    assert.deepEqual(
      plannedChanges(p, 'pve').map((c) => [c.field, c.drift]),
      [['exists', true]],
    );
    assert.equal(staged(p, {}).staged[0]?.op, 'create');
    assert.deepEqual(staged(p, { 'pxr/drift': 'alert' }).staged, []);
  });

  test('pxr/drift-ignore by spec name keeps the actual value in the correcting PUT', () => {
    const drifted = { ...vmbr1, bridge_ports: 'eno3' };
    const p = plan(owned, net(drifted), obj, true);
    for (const ignore of ['comment', 'comments']) {
      const a = staged(p, { 'pxr/drift-ignore': ignore });
      assert.deepEqual(
        a.drift.map((d) => d.field),
        ['bridge_ports'],
      );
      assert.equal(a.staged[0]?.params.comments, 'hand-made');
      assert.equal(a.staged[0]?.params.bridge_ports, 'eno2');
    }
  });
});

describe('API bridge protection', () => {
  test('the bridge with the default gateway or the node address is the API bridge', () => {
    assert.equal(
      isApiBridge({ iface: 'vmbr0', type: 'bridge', gateway: '192.168.1.1' }, new Set()),
      true,
    );
    assert.equal(
      isApiBridge(
        { iface: 'vmbr0', type: 'bridge', address: '192.168.1.10', netmask: '24' },
        new Set(['192.168.1.10']),
      ),
      true,
    );
    assert.equal(
      isApiBridge(
        { iface: 'vmbr1', type: 'bridge', cidr: '10.0.0.1/24' },
        new Set(['192.168.1.10']),
      ),
      false,
    );
  });

  test('only deletes and port/address/gateway changes are risky', () => {
    const base = { iface: 'vmbr0', params: { type: 'bridge' } };
    assert.equal(isRisky({ ...base, op: 'delete', fields: [] }), true);
    assert.equal(
      isRisky({
        ...base,
        op: 'update',
        fields: [{ field: 'comments', desired: 'a', actual: 'b' }],
      }),
      false,
    );
    assert.equal(
      isRisky({
        ...base,
        op: 'update',
        fields: [{ field: 'bridge_ports', desired: 'a', actual: 'b' }],
      }),
      true,
    );
  });

  test('node addresses come from /cluster/status node entries', () => {
    const st = [
      { type: 'cluster', name: 'c' },
      { type: 'node', name: 'pve', ip: '192.168.1.10' },
      { type: 'node', name: 'pve2', ip: '192.168.1.11' },
    ];
    assert.deepEqual([...nodeAddresses(st, 'pve')], ['192.168.1.10']);
  });
});
