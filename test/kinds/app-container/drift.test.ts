/**
 * Changes made behind pxr's back (through the API, as the Proxmox UI would): each managed field is
 * detected as drift, recorded and corrected; a container stopped by hand is started again; a stale
 * digest (an edit between pxr's read and write) is retried cleanly; `pxr/drift: alert` only reports.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ObjectOutcome } from '../../../src/core/kind.js';
import { AppContainerReconciler } from '../../../src/kinds/app-container/reconciler.js';
import type { Params, PveClient } from '../../../src/pve/types.js';
import { ct, rig, simCt, waitTaskByHand, type Ct, type Rig } from './harness.js';

function ok(v: ObjectOutcome | Error): ObjectOutcome {
  assert.ok(!(v instanceof Error), `unexpected error: ${v instanceof Error ? v.message : ''}`);
  return v;
}

describe('AppContainer drift', () => {
  let r: Rig;
  let obj: Ct;
  const VMID = 7000;
  const cfg = (): Record<string, string | number> => simCt(r, VMID)!.config;
  const byHand = (params: Params): Promise<unknown> =>
    r.pve.put(`/nodes/pve/lxc/${VMID}/config`, params);

  before(async () => {
    r = await rig();
    obj = ct('drifty', {
      vmid: VMID,
      state: 'stopped',
      network: { bridge: 'vmbr1', ip: '10.10.0.7/24', gateway: '10.10.0.1', firewall: true },
      dns: { nameservers: ['10.10.0.1'] },
      tags: ['app'],
      startup: { order: 2 },
    });
    await r.h.converge(obj);
  });
  after(() => r.close());

  const cases: { field: string; edit: () => Params; check: () => void }[] = [
    { field: 'cores', edit: () => ({ cores: 4 }), check: () => assert.equal(cfg()['cores'], 1) },
    {
      field: 'memory',
      edit: () => ({ memory: 2048 }),
      check: () => assert.equal(cfg()['memory'], 512),
    },
    { field: 'swap', edit: () => ({ swap: 0 }), check: () => assert.equal(cfg()['swap'], 512) },
    {
      field: 'hostname',
      edit: () => ({ hostname: 'x' }),
      check: () => assert.equal(cfg()['hostname'], 'drifty'),
    },
    {
      field: 'net0.firewall',
      edit: () => ({ net0: String(cfg()['net0']).replace('firewall=1,', '') }),
      check: () => assert.match(String(cfg()['net0']), /firewall=1/),
    },
    {
      field: 'net0.hwaddr',
      edit: () => ({
        net0: String(cfg()['net0']).replace(/hwaddr=[0-9A-F:]+/, 'hwaddr=BC:24:11:00:00:01'),
      }),
      check: () => assert.ok(!String(cfg()['net0']).includes('BC:24:11:00:00:01'), 'MAC restored'),
    },
    {
      field: 'net0.ip',
      edit: () => ({ net0: String(cfg()['net0']).replace('ip=10.10.0.7/24', 'ip=dhcp') }),
      check: () => assert.match(String(cfg()['net0']), /ip=10\.10\.0\.7\/24/),
    },
    {
      field: 'nameserver',
      edit: () => ({ nameserver: '9.9.9.9' }),
      check: () => assert.equal(cfg()['nameserver'], '10.10.0.1'),
    },
    {
      field: 'searchdomain',
      edit: () => ({ searchdomain: 'evil.example' }),
      check: () => assert.equal(cfg()['searchdomain'], undefined),
    },
    { field: 'onboot', edit: () => ({ onboot: 1 }), check: () => assert.equal(cfg()['onboot'], 0) },
    {
      field: 'tags',
      edit: () => ({ tags: 'app;pxr;extra' }),
      check: () => assert.equal(cfg()['tags'], 'app;pxr'),
    },
    {
      field: 'description',
      edit: () => ({ description: `hello\npxr:uid=${obj.uid}` }),
      check: () => assert.equal(cfg()['description'], `pxr:uid=${obj.uid}\n`),
    },
    {
      field: 'features',
      edit: () => ({ features: 'fuse=1' }),
      check: () => assert.equal(cfg()['features'], undefined),
    },
    {
      field: 'startup',
      edit: () => ({ startup: 'order=9' }),
      check: () => assert.equal(cfg()['startup'], 'order=2'),
    },
  ];

  for (const c of cases) {
    test(`${c.field} changed by hand is detected, recorded as drift and corrected`, async () => {
      await byHand(c.edit());
      const o = ok(await r.h.pass(obj));
      assert.ok(
        o.drift?.some((d) => d.field === c.field),
        `drift on ${c.field}: ${JSON.stringify(o.drift)}`,
      );
      assert.equal(o.driftCorrected, true);
      c.check();
      const again = ok(await r.h.pass(obj));
      assert.equal(again.drift, undefined, 'corrected for good');
    });
  }

  test('a container stopped by hand is started again (state drift)', async () => {
    const run = ct('runner', { vmid: 7100 });
    await r.h.converge(run);
    await waitTaskByHand(r, await r.pve.post<string>('/nodes/pve/lxc/7100/status/stop'));
    assert.equal(simCt(r, 7100)?.status, 'stopped');
    const outs = await r.h.converge(run);
    assert.deepEqual(outs[0]?.drift, [{ field: 'state', desired: 'running', actual: 'stopped' }]);
    assert.equal(simCt(r, 7100)?.status, 'running');
  });

  test('a container stopped by hand stays stopped when pxr/drift-ignore names state', async () => {
    const run = ct('idler', { vmid: 7200 });
    await r.h.converge(run);
    await waitTaskByHand(r, await r.pve.post<string>('/nodes/pve/lxc/7200/status/stop'));
    const outs = await r.h.converge({ ...run, annotations: { 'pxr/drift-ignore': 'state' } });
    assert.deepEqual(
      outs.flatMap((o) => o.actions ?? []),
      [],
    );
    assert.equal(simCt(r, 7200)?.status, 'stopped');
  });

  test('an edit between pxr read and write (stale digest) is retried cleanly', async () => {
    const edited: string[] = [];
    const racing: PveClient = {
      ...r.pve,
      put: async <T>(path: string, params?: Params): Promise<T> => {
        if (path.endsWith('/config') && edited.length === 0) {
          edited.push(path);
          await r.pve.put(path, { onboot: 1 }); // someone else, just before our write
        }
        return r.pve.put<T>(path, params);
      },
    };
    const old = r.h.reconciler;
    r.h.reconciler = new AppContainerReconciler({ pve: racing, clock: r.clock, resourcesTtlMs: 0 });
    try {
      await byHand({ cores: 3 });
      const o = ok(await r.h.pass(obj));
      assert.ok(o.events?.some((e) => e.reason === 'DigestRetry'));
      assert.equal(cfg()['cores'], 1);
      assert.equal(cfg()['onboot'], 0, 'the racing edit was seen on the re-read and corrected too');
      assert.equal(r.pve.calls()['PUT /nodes/{node}/lxc/{vmid}/config']?.errors, 1);
    } finally {
      r.h.reconciler = old;
    }
  });

  test('under pxr/drift: alert, drift is reported and nothing is written', async () => {
    const watched = { ...obj, annotations: { 'pxr/drift': 'alert' } };
    await byHand({ memory: 777 });
    const writes = r.writes();
    const o = ok(await r.h.pass(watched));
    assert.deepEqual(o.drift, [{ field: 'memory', desired: '512', actual: '777' }]);
    assert.equal(o.driftCorrected, false);
    assert.equal(r.writes(), writes);
    assert.equal(cfg()['memory'], 777);
    await r.h.pass(obj); // back to correcting
    assert.equal(cfg()['memory'], 512);
  });

  test('fields named by pxr/drift-ignore keep their value by hand; the others are corrected', async () => {
    const partly = { ...obj, annotations: { 'pxr/drift-ignore': 'memory, net0.ip' } };
    const net0 = String(cfg()['net0']);
    await byHand({ memory: 777, cores: 3, net0: net0.replace('ip=10.10.0.7/24', 'ip=dhcp') });
    ok(await r.h.pass(partly));
    assert.equal(cfg()['memory'], 777, 'ignored field left alone');
    assert.match(String(cfg()['net0']), /ip=dhcp/, 'ignored part of net0 left alone');
    assert.equal(cfg()['cores'], 1, 'a field not ignored is corrected');
    await r.h.pass(obj); // back to correcting everything
    assert.equal(cfg()['memory'], 512);
    assert.equal(cfg()['net0'], net0);
  });

  test('under pxr/drift: ignore, a config change by hand is left in place and nothing is written', async () => {
    const hands = { ...obj, annotations: { 'pxr/drift': 'ignore' } };
    await byHand({ memory: 777 });
    const writes = r.writes();
    ok(await r.h.pass(hands));
    assert.equal(r.writes(), writes, 'nothing written');
    assert.equal(cfg()['memory'], 777);
    await r.h.pass(obj); // back to correcting
    assert.equal(cfg()['memory'], 512);
  });
});
