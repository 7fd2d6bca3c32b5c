/**
 * Several NICs per container (`spec.networks`), against the simulator over HTTP with the real client:
 * NICs added, changed and removed in place on a running container (hot-plugged, MACs kept), the mesh
 * design's dual-homed gateway converging without phantom drift, and a NIC added by hand reported and
 * left — or removed under `nicPolicy: authoritative`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ObjectOutcome } from '../../../src/core/kind.js';
import type { ObjectView } from '../../../src/core/object-view.js';
import { appContainerColumns } from '../../../src/kinds/app-container/columns.js';
import { lxcUpdateConfig } from '../../../src/pve/lxc.js';
import type { AppContainerSpec } from '../../../src/kinds/app-container/spec.js';
import { ct, rig, simCt, vmidOf, withSpec, type Ct, type Rig } from './harness.js';

type Nics = NonNullable<AppContainerSpec['networks']>;

const PUT = 'PUT /nodes/{node}/lxc/{vmid}/config';
const READ = 'GET /nodes/{node}/lxc/{vmid}/pending';

function ok(v: ObjectOutcome | Error): ObjectOutcome {
  assert.ok(!(v instanceof Error), `unexpected error: ${v instanceof Error ? v.message : ''}`);
  return v;
}

/** A container whose NICs are a `networks` list (the harness default uses `network`). */
function multi(name: string, networks: Nics, vmid: number): Ct {
  const obj = ct(name, { vmid, networks });
  const { network: _shorthand, ...spec } = obj.spec;
  return withSpec({ ...obj, spec }, {});
}

function setNics(obj: Ct, networks: Nics, extra = {}): Ct {
  return withSpec(obj, { networks, ...extra });
}

function macOf(net: unknown): string | undefined {
  return /hwaddr=([0-9A-F:]+)/.exec(String(net))?.[1];
}

function column(r: Rig, name: string, header: string): string {
  const st = r.h.status.get(name);
  const col = appContainerColumns.find((c) => c.header === header);
  assert.ok(st && col, `${name}/${header}`);
  const view = {
    object: { spec: objs.get(name)?.spec ?? {} },
    status: { observed: st.observed, conditions: st.conditions },
  } as unknown as ObjectView;
  return col.value(view, () => undefined);
}

/** The last spec converged per name (for the columns, which read the spec). */
const objs = new Map<string, Ct>();

async function converge(r: Rig, obj: Ct): Promise<ObjectOutcome[]> {
  objs.set(obj.name, obj);
  return r.h.converge(obj);
}

describe('AppContainer with several NICs', () => {
  let r: Rig;
  before(async () => {
    r = await rig();
  });
  after(() => r.close());

  test('a NIC is added, changed and removed in place on a running container, MACs kept', async () => {
    let obj = multi('plug', [{ bridge: 'vmbr1' }], 7000);
    await converge(r, obj);
    const cfg = (): Record<string, string | number> => simCt(r, 7000)!.config;
    const mac0 = macOf(cfg()['net0']);
    assert.equal(simCt(r, 7000)?.status, 'running');

    obj = setNics(obj, [{ bridge: 'vmbr1' }, { bridge: 'vmbr10', ip: '172.16.100.10/24' }]);
    let puts = r.count(PUT);
    const added = await converge(r, obj);
    assert.equal(r.count(PUT) - puts, 1, 'one config PUT adds net1');
    assert.match(added[0]?.actions?.[0] ?? '', /updated CT 7000: net1: \(unset\) -> /);
    assert.match(
      String(cfg()['net1']),
      /^name=eth1,bridge=vmbr10,hwaddr=[0-9A-F:]+,ip=172\.16\.100\.10\/24,type=veth$/,
    );
    assert.equal(simCt(r, 7000)?.status, 'running', 'hot-plugged, no restart');
    const mac1 = macOf(cfg()['net1']);
    const observed = r.h.status.get('plug')?.observed;
    assert.deepEqual(observed?.['nicMacs'], { net1: mac1 });
    assert.equal(observed?.['mac'], mac0);
    assert.equal((observed?.['ips'] as Record<string, string>)['net1'], '172.16.100.10/24');
    assert.ok(
      !r.h.status
        .get('plug')
        ?.conditions.some((c) => c.type === 'PendingRestart' && c.status === 'True'),
      'nothing pending',
    );

    obj = setNics(obj, [
      { bridge: 'vmbr1' },
      { bridge: 'vmbr10', ip: '172.16.100.11/24', mtu: 1400, vlan: 30 },
    ]);
    puts = r.count(PUT);
    await converge(r, obj);
    assert.equal(r.count(PUT) - puts, 1, 'one config PUT changes net1');
    assert.equal(
      cfg()['net1'],
      `name=eth1,bridge=vmbr10,hwaddr=${String(mac1)},ip=172.16.100.11/24,mtu=1400,tag=30,type=veth`,
    );
    assert.equal(macOf(cfg()['net0']), mac0);

    obj = setNics(obj, [{ bridge: 'vmbr1' }]);
    puts = r.count(PUT);
    const removed = await converge(r, obj);
    assert.equal(r.count(PUT) - puts, 1, 'one config PUT removes net1');
    assert.match(removed[0]?.actions?.[0] ?? '', /net1: ".*" -> \(unset\)/);
    assert.equal(cfg()['net1'], undefined);
    assert.equal(macOf(cfg()['net0']), mac0);
    const after = ok(await r.h.pass(obj));
    assert.equal(after.actions, undefined, 'converged');
    assert.equal(after.events, undefined, 'a NIC pxr removed is not reported as unmanaged');
    assert.equal(r.h.status.get('plug')?.observed['nicMacs'], undefined, 'its MAC forgotten');
  });

  test('the mesh gateway: net0 by DHCP on VLAN 20, net1 static on the mesh; converged with no drift', async () => {
    const obj = multi(
      'gw',
      [
        { bridge: 'vmbr1', vlan: 20 },
        { bridge: 'vmbr10', ip: '172.16.100.10/24' },
      ],
      7100,
    );
    await converge(r, obj);
    const c = simCt(r, 7100)!.config;
    assert.match(
      String(c['net0']),
      /^name=eth0,bridge=vmbr1,hwaddr=[0-9A-F:]+,ip=dhcp,tag=20,type=veth$/,
    );
    assert.match(
      String(c['net1']),
      /^name=eth1,bridge=vmbr10,hwaddr=[0-9A-F:]+,ip=172\.16\.100\.10\/24,type=veth$/,
    );
    const observed = r.h.status.get('gw')?.observed ?? {};
    const ips = observed['ips'] as Record<string, string>;
    assert.equal(ips['net1'], '172.16.100.10/24');
    assert.match(
      ips['net0'] ?? '',
      /^\d+\.\d+\.\d+\.\d+\/\d+$/,
      `net0 lease: ${JSON.stringify(ips)}`,
    );
    assert.equal(observed['ip'], ips['net0'], 'eth0 stays the IP column');
    assert.equal(
      column(r, 'gw', 'NICS'),
      `net0=${(ips['net0'] ?? '').split('/')[0] ?? ''},net1=172.16.100.10`,
    );
    assert.equal(column(r, 'gw', 'BRIDGE'), 'vmbr1,vmbr10');

    // A converged sweep: one read, no write, no change, no status churn.
    const before = { writes: r.writes(), reads: r.count(READ) };
    const status = { ...r.h.status.get('gw')?.observed };
    const again = ok(await r.h.pass(obj));
    assert.equal(again.actions, undefined);
    assert.equal(again.drift, undefined);
    assert.equal(r.writes() - before.writes, 0, 'no write');
    assert.equal(r.count(READ) - before.reads, 1, 'one config read');
    assert.deepEqual(r.h.status.get('gw')?.observed, status, 'same status');

    // Drift on the second NIC is found, named by its spec path, and corrected.
    await lxcUpdateConfig(r.pve, 'pve', 7100, {
      net1: String(c['net1']).replace('172.16.100.10/24', '172.16.100.99/24'),
    });
    const drifted = ok(await r.h.pass(obj));
    const d = drifted.drift?.find((x) => x.field === 'net1.ip');
    assert.ok(d, `drift: ${JSON.stringify(drifted.drift)}`);
    assert.equal(drifted.driftCorrected, true);
    assert.match(String(simCt(r, 7100)!.config['net1']), /ip=172\.16\.100\.10\/24/);
  });

  test('a NIC added by hand is reported and left; nicPolicy authoritative removes it', async () => {
    let obj = multi('hand', [{ bridge: 'vmbr1' }], 7200);
    await converge(r, obj);
    const vmid = vmidOf(r, 'hand');
    await lxcUpdateConfig(r.pve, 'pve', vmid, { net1: 'name=eth1,bridge=vmbr10,ip=dhcp' });

    const seen = ok(await r.h.pass(obj));
    const warn = seen.events?.find((e) => e.reason === 'UnmanagedNic');
    assert.ok(warn, `events: ${JSON.stringify(seen.events)}`);
    assert.equal(warn.type, 'Warning');
    assert.match(
      warn.message,
      /CT 7200 has net1 \(.*bridge=vmbr10.*\), which the spec does not list; left in place/,
    );
    assert.equal(seen.actions, undefined, 'left in place');
    assert.equal(seen.drift, undefined, 'not drift under the default policy');
    assert.ok(simCt(r, vmid)!.config['net1'], 'still there');
    assert.deepEqual(r.h.status.get('hand')?.observed['unmanagedNics'], ['net1']);
    assert.equal(column(r, 'hand', 'NICS'), `net0=${column(r, 'hand', 'IP')},net1(unmanaged)`);
    const quiet = ok(await r.h.pass(obj));
    assert.equal(quiet.events, undefined, 'reported once');

    obj = withSpec(obj, { nicPolicy: 'authoritative' });
    const puts = r.count(PUT);
    await converge(r, obj);
    assert.equal(r.count(PUT) - puts, 1);
    assert.equal(simCt(r, vmid)!.config['net1'], undefined, 'removed');
    ok(await r.h.pass(obj));
    assert.equal(r.h.status.get('hand')?.observed['unmanagedNics'], undefined);

    // Converged and authoritative: a NIC added by hand is drift, corrected.
    await lxcUpdateConfig(r.pve, 'pve', vmid, { net2: 'name=eth2,bridge=vmbr10,ip=dhcp' });
    const drifted = ok(await r.h.pass(obj));
    assert.ok(
      drifted.drift?.some((x) => x.field === 'net2'),
      `drift: ${JSON.stringify(drifted.drift)}`,
    );
    assert.equal(simCt(r, vmid)!.config['net2'], undefined);
  });
});
