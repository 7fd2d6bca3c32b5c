/**
 * FirewallPolicy with a VirtualMachine among its guests, against the simulator with the real
 * client: two tenants isolated, one a container and one a VM — rules and options written on both,
 * hand edits of the VM's rules corrected as drift, the reachability matrix listing the VM, a
 * converged pass writing nothing; `select.kinds`, the VM's NIC flag and the VM watch.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ObjectReader, StoredObject } from '../../../src/core/kind.js';
import { inspectFirewallPolicy } from '../../../src/kinds/firewall-policy/inspect.js';
import type { FirewallPolicySpec } from '../../../src/kinds/firewall-policy/spec.js';
import { firewallPolicyWatches } from '../../../src/kinds/firewall-policy/watches.js';
import { FwHarness, policy } from './harness.js';

const CT_A = 321;
const VM_B = 322;

/** Each tenant accepts only its own addresses; everything else inbound is dropped. */
const SPEC: Partial<FirewallPolicySpec> = {
  enforce: true,
  ipsets: [
    { name: 'tenant-a', entries: [{ cidr: '10.0.0.21' }] },
    { name: 'tenant-b', entries: [{ cidr: '10.0.0.22' }] },
  ],
  guests: [
    {
      name: 'a',
      select: { labels: { tenant: 'a' } },
      options: { policy_in: 'DROP' },
      rules: [{ name: 'own', type: 'in', action: 'ACCEPT', source: '+tenant-a', enable: true }],
    },
    {
      name: 'b',
      select: { labels: { tenant: 'b' } },
      options: { policy_in: 'DROP' },
      rules: [
        { name: 'own', type: 'in', action: 'ACCEPT', source: '+tenant-b', enable: true },
        {
          name: 'ssh',
          type: 'in',
          action: 'ACCEPT',
          macro: 'SSH',
          source: '10.0.0.22',
          enable: true,
        },
      ],
    },
  ],
};

const comments = (rules: { comment?: string }[] | undefined): (string | undefined)[] =>
  (rules ?? []).map((r) => r.comment);

describe('FirewallPolicy over a container and a VM (simulator, real client)', () => {
  let h: FwHarness;
  const p = policy('tenants', SPEC);
  const writes = (): number => h.s.sim.requests.list().filter((e) => e.method !== 'GET').length;

  before(async () => {
    h = await FwHarness.start();
    await h.container('ct-a', CT_A, { tenant: 'a' });
    await h.vm('vm-b', VM_B, { tenant: 'b' }, { ip: '10.0.0.22/24' });
    await h.pass(p);
  });
  after(() => h.close());

  it('writes rules and options on the container and on the VM', () => {
    assert.deepEqual(comments(h.guestFw(CT_A)?.rules), ['pxr:tenants/own']);
    assert.deepEqual(comments(h.guestFw(VM_B)?.rules), ['pxr:tenants/own', 'pxr:tenants/ssh']);
    assert.equal(h.guestFw(VM_B)?.rules[0]?.source, '+tenant-b');
    assert.deepEqual(
      [h.guestFw(VM_B)?.options['enable'], h.guestFw(VM_B)?.options['policy_in']],
      [1, 'DROP'],
    );
    const st = h.status.get('tenants')!;
    assert.equal(st.conditions.find((c) => c.type === 'NotEnforced')?.status, 'False');
    assert.deepEqual(st.observed['levels'], {
      'guests.ct-a': `/nodes/pve/lxc/${CT_A}/firewall/rules`,
      'guests.vm/vm-b': `/nodes/pve/qemu/${VM_B}/firewall/rules`,
    });
  });

  it('a hand edit of the VM rules is planned as drift and corrected', async () => {
    const before = JSON.stringify(h.guestFw(VM_B)!.rules);
    h.guestFw(VM_B)!.rules[0]!.source = '10.0.0.0/8';
    h.guestFw(VM_B)!.rules.reverse();
    h.guestFw(VM_B)!.options['policy_in'] = 'ACCEPT';
    const plan = await h.plan(p);
    const fields = plan.changes.map((c) => c.field);
    for (const f of ['guests.vm/vm-b.rules.own', 'guests.vm/vm-b.options.policy_in']) {
      const c = plan.changes.find((x) => x.field === f);
      assert.ok(c, `${f} in ${JSON.stringify(fields)}`);
      assert.equal(c.drift, true, f);
    }
    assert.ok(
      plan.changes.every((c) => c.field.startsWith('guests.vm/vm-b.')),
      `only the VM drifted: ${JSON.stringify(fields)}`,
    );
    const out = await h.pass(p);
    assert.ok((out.drift ?? []).some((d) => d.field === 'guests.vm/vm-b.rules.own'));
    assert.equal(JSON.stringify(h.guestFw(VM_B)!.rules), before);
    assert.equal(h.guestFw(VM_B)!.options['policy_in'], 'DROP');
  });

  it('the reachability matrix lists the VM, isolated from the other tenant', async () => {
    const reader = h.ctx([p]) as unknown as ObjectReader;
    const ins = await inspectFirewallPolicy(p, { pve: h.pve, reader });
    const m = ins.json as {
      destinations: { id: string; label: string; addresses: string[]; filtered: boolean }[];
      cells: { from: string; to: string; results: { verdict: string }[] }[];
      sources: { id: string; label: string }[];
    };
    const vmDest = m.destinations.find((d) => d.label.includes(`vm ${VM_B} (vm-b)`));
    assert.ok(vmDest, ins.text);
    assert.deepEqual([vmDest.addresses, vmDest.filtered], [['10.0.0.22'], true]);
    assert.ok(
      m.destinations.some((d) => d.label.includes(`ct ${CT_A} (ct-a)`)),
      ins.text,
    );
    const ctSource = m.sources.find((s) => s.label.includes(`ct ${CT_A}`));
    assert.ok(ctSource, ins.text);
    const verdicts = m.cells
      .filter((c) => c.from === ctSource.id && c.to === vmDest.id)
      .flatMap((c) => c.results.map((r) => r.verdict));
    assert.ok(verdicts.length > 0, ins.text);
    assert.ok(
      verdicts.every((v) => v === 'deny'),
      `container -> VM must be denied:\n${ins.text}`,
    );
    assert.match(ins.text, new RegExp(`vm ${VM_B} \\(vm-b\\) net0`));
  });

  it('a converged pass writes nothing to Proxmox', async () => {
    assert.deepEqual((await h.plan(p)).changes, []);
    const before = writes();
    const out = await h.pass(p);
    assert.equal(out.actions, undefined);
    assert.equal(writes(), before, 'no POST/PUT/DELETE');
  });

  it('select.kinds narrows a label selector to containers: the VM is left alone', async () => {
    const only = policy('ct-only', {
      guests: [
        {
          name: 'b',
          select: { labels: { tenant: 'b' }, kinds: ['AppContainer'] },
          rules: [{ name: 'x', type: 'in', action: 'DROP', source: '10.9.9.9', enable: true }],
        },
      ],
    });
    const plan = await h.plan(only);
    assert.deepEqual(plan.changes, []);
    assert.equal(plan.waiting, undefined);
    const named = policy('named', {
      guests: [{ name: 'b', select: { names: ['vm-b'], kinds: ['AppContainer'] }, rules: [] }],
    });
    assert.equal((await h.plan(named)).waiting, 'waiting for guest AppContainer/vm-b to exist');
  });

  it("a VM NIC without firewall=1 is reported as not enforced, naming the VM's field", async () => {
    await h.vm('vm-c', 323, { tenant: 'c' }, { firewall: false, ip: '10.0.0.23/24' });
    const pc = policy('c', {
      guests: [{ name: 'c', select: { names: ['vm-c'] }, options: { enable: true }, rules: [] }],
    });
    await h.pass(pc);
    const c = h.status.get('c')!.conditions.find((x) => x.type === 'NotEnforced');
    assert.equal(c?.status, 'True');
    assert.match(
      c.message ?? '',
      /net0 of vm-c lacks firewall=1 \(set firewall: true on the networks item of VirtualMachine\/vm-c\)/,
    );
  });

  it('a VM created or relabelled re-queues the policies that select it', () => {
    const vmWatch = firewallPolicyWatches.find((w) => w.kind === 'VirtualMachine');
    assert.ok(vmWatch);
    const narrowed = policy('narrowed', {
      guests: [
        { name: 'b', select: { labels: { tenant: 'b' }, kinds: ['AppContainer'] }, rules: [] },
      ],
    });
    h.policies.set('tenants', p);
    h.policies.set('narrowed', narrowed);
    const vm = h.vms.get('vm-b')!;
    const reader = h.ctx([]) as unknown as ObjectReader;
    assert.deepEqual(vmWatch.map(vm, reader), ['tenants']);
    const moved: StoredObject = { ...vm, labels: { tenant: 'a' } };
    assert.deepEqual(vmWatch.map(moved, reader), ['tenants']);
    assert.deepEqual(vmWatch.map({ ...vm, labels: {} }, reader), []);
  });
});
