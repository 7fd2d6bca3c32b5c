/**
 * FirewallPolicy against the simulator with the real client, through `planAndApply`: creation,
 * every drift case, a hand edit racing a pass, group / IP set / alias lifecycles with Proxmox's
 * "not empty" refusal, a selector that starts matching a new container, and enforcement.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { PveClient } from '../../../src/pve/types.js';
import type { FirewallPolicySpec } from '../../../src/kinds/firewall-policy/spec.js';
import { readPolicyWorld } from '../../../src/kinds/firewall-policy/world-for-policy.js';
import { FwHarness, policy } from './harness.js';

const SPEC: Partial<FirewallPolicySpec> = {
  enforce: true,
  // Written as Proxmox would not store them: pxr compares the stored forms (no endless diff).
  aliases: [{ name: 'proxy', cidr: '10.20.0.1/32' }],
  ipsets: [
    {
      name: 'mgmt',
      entries: [
        { cidr: '10.99.0.5/24' },
        { cidr: '10.99.0.7/32', nomatch: true, comment: ' printer ' },
      ],
    },
  ],
  groups: [
    {
      name: 'web',
      rules: [
        {
          name: 'https',
          type: 'in',
          action: 'ACCEPT',
          macro: 'HTTPS',
          source: 'proxy',
          enable: true,
        },
        {
          name: 'http',
          type: 'in',
          action: 'ACCEPT',
          proto: 'tcp',
          dport: '80',
          source: 'proxy',
          enable: true,
        },
      ],
    },
  ],
  guests: [
    {
      name: 'web',
      select: { labels: { tier: 'web' } },
      options: { policy_in: 'DROP' },
      rules: [
        { name: 'no-mgmt', type: 'in', action: 'DROP', source: '+mgmt', enable: true },
        { name: 'web', type: 'group', action: 'web', enable: true },
        {
          name: 'ssh',
          type: 'in',
          action: 'ACCEPT',
          macro: 'SSH',
          source: '10.10.0.5',
          enable: true,
        },
      ],
    },
  ],
};

const comments = (rules: { comment?: string }[] | undefined): (string | undefined)[] =>
  (rules ?? []).map((r) => r.comment);

describe('FirewallPolicy reconciler (simulator, real client)', () => {
  let h: FwHarness;
  before(async () => {
    h = await FwHarness.start();
    await h.container('web-01', 301, { tier: 'web' });
  });
  after(() => h.close());

  let p = policy('tenants', SPEC);
  beforeEach(async () => {
    p = policy('tenants', SPEC);
    await h.pass(p);
  });

  it('creates aliases, IP sets, groups, guest rules in order, and switches filtering on', async () => {
    assert.equal(h.fw.aliases['proxy']?.cidr, '10.20.0.1');
    assert.deepEqual(h.fw.ipsets['mgmt']?.entries.map((e) => e.cidr).sort(), [
      '10.99.0.0/24',
      '10.99.0.7',
    ]);
    assert.deepEqual(comments(h.fw.groups['web']?.rules), [
      'pxr:tenants/https',
      'pxr:tenants/http',
    ]);
    assert.deepEqual(comments(h.guestFw(301)?.rules), [
      'pxr:tenants/no-mgmt',
      'pxr:tenants/web',
      'pxr:tenants/ssh',
    ]);
    assert.ok(h.guestFw(301)!.rules.every((r) => r.enable === 1));
    assert.equal(Number(h.fw.options['enable']), 1);
    assert.equal(Number(h.guestFw(301)!.options['enable']), 1);
    const st = h.status.get('tenants')!;
    assert.equal(st.conditions.find((c) => c.type === 'NotEnforced')?.status, 'False');
    // Converged: the next plan is empty and the pass writes nothing.
    const plan = await h.plan(p);
    assert.deepEqual(plan.changes, []);
    const out = await h.pass(p);
    assert.equal(out.actions, undefined);
  });

  const driftCases: [string, () => void, string][] = [
    [
      'a rule edited',
      () => {
        h.guestFw(301)!.rules[2]!.source = '10.10.0.99';
      },
      'guests.web-01.rules.ssh',
    ],
    [
      'a rule disabled',
      () => {
        h.guestFw(301)!.rules[0]!.enable = 0;
      },
      'guests.web-01.rules.no-mgmt',
    ],
    [
      'a rule deleted',
      () => {
        h.guestFw(301)!.rules.splice(1, 1);
      },
      'guests.web-01.rules.web',
    ],
    [
      'rules reordered',
      () => {
        h.guestFw(301)!.rules.reverse();
      },
      'guests.web-01.rules.order',
    ],
    [
      'a group rule edited',
      () => {
        h.fw.groups['web']!.rules[1]!.dport = '8080';
      },
      'groups.web.rules.http',
    ],
    [
      'the guest firewall switched off',
      () => {
        h.guestFw(301)!.options['enable'] = 0;
      },
      'guests.web-01.options.enable',
    ],
    [
      'the cluster firewall switched off',
      () => {
        h.fw.options['enable'] = 0;
      },
      'cluster.options.enable',
    ],
    [
      'an IP set entry removed',
      () => {
        h.fw.ipsets['mgmt']!.entries = h.fw.ipsets['mgmt']!.entries.filter(
          (e) => e.cidr !== '10.99.0.0/24',
        );
      },
      'ipsets.mgmt.entries.10.99.0.0/24',
    ],
  ];
  for (const [what, edit, field] of driftCases) {
    it(`drift: ${what} is planned as drift on ${field} and corrected`, async () => {
      const before = JSON.stringify([h.guestFw(301)!.rules, h.fw.groups['web']!.rules]);
      edit();
      const plan = await h.plan(p);
      const c = plan.changes.find((x) => x.field === field);
      assert.ok(c, `${field} in ${JSON.stringify(plan.changes.map((x) => x.field))}`);
      assert.equal(c.drift, true);
      const out = await h.pass(p);
      assert.ok((out.drift ?? []).some((d) => d.field === field));
      assert.equal(JSON.stringify([h.guestFw(301)!.rules, h.fw.groups['web']!.rules]), before);
      assert.equal(Number(h.fw.options['enable']), 1);
      assert.equal(Number(h.guestFw(301)!.options['enable']), 1);
      assert.deepEqual((await h.plan(p)).changes, []);
    });
  }

  it('readPolicyWorld (the describe seam) gives the Proxmox-shaped state the policy concerns', async () => {
    const w = await readPolicyWorld(h.pve, p, h.ctx([p]));
    assert.deepEqual(w.guestNames, { '301': 'web-01' });
    const g = w.world.guests['301']!;
    assert.deepEqual(
      g.rules.map((r) => [r.pos, r.type, r.action]),
      [
        [0, 'in', 'DROP'],
        [1, 'group', 'web'],
        [2, 'in', 'ACCEPT'],
      ],
    );
    assert.match(g.nics['net0']!, /firewall=1/);
    assert.equal(w.world.cluster.groups.find((x) => x.group === 'web')?.rules.length, 2);
    assert.ok(w.world.cluster.ipsets.some((s) => s.name === 'mgmt' && s.entries.length === 2));
  });

  it('drift under pxr/drift: alert is reported, not corrected', async () => {
    const alerting = policy('tenants', SPEC, { annotations: { 'pxr/drift': 'alert' } });
    h.guestFw(301)!.rules[2]!.source = '10.10.0.99';
    const out = await h.pass(alerting);
    assert.equal(out.driftCorrected, false);
    assert.equal(h.guestFw(301)!.rules[2]!.source, '10.10.0.99');
    await h.pass(p);
    assert.equal(h.guestFw(301)!.rules[2]!.source, '10.10.0.5');
  });

  it('pxr/drift-ignore on one rule: that rule is left as edited, the others still corrected', async () => {
    const ignoring = policy('tenants', SPEC, {
      annotations: { 'pxr/drift-ignore': 'guests.web-01.rules.ssh' },
    });
    h.guestFw(301)!.rules[2]!.source = '10.10.0.99';
    h.guestFw(301)!.rules[0]!.enable = 0;
    const out = await h.pass(ignoring);
    assert.deepEqual(
      (out.drift ?? []).map((d) => d.field),
      ['guests.web-01.rules.no-mgmt'],
    );
    assert.equal(h.guestFw(301)!.rules[2]!.source, '10.10.0.99');
    assert.equal(h.guestFw(301)!.rules[0]!.enable, 1);
    await h.pass(p);
    assert.equal(h.guestFw(301)!.rules[2]!.source, '10.10.0.5');
  });

  it('merge keeps a hand-made rule where it is; authoritative removes it as drift', async () => {
    h.guestFw(301)!.rules.splice(1, 0, {
      type: 'in',
      action: 'ACCEPT',
      proto: 'tcp',
      dport: '9000',
      enable: 1,
      comment: 'by hand',
    });
    await h.pass(p);
    assert.deepEqual(comments(h.guestFw(301)!.rules), [
      'pxr:tenants/no-mgmt',
      'by hand',
      'pxr:tenants/web',
      'pxr:tenants/ssh',
    ]);
    const auth = policy('tenants', { ...SPEC, mode: 'authoritative' });
    await h.pass(auth); // a spec change: applied, not drift
    assert.deepEqual(comments(h.guestFw(301)!.rules), [
      'pxr:tenants/no-mgmt',
      'pxr:tenants/web',
      'pxr:tenants/ssh',
    ]);
    h.guestFw(301)!.rules.push({ type: 'in', action: 'ACCEPT', enable: 1, comment: 'again' });
    const plan = await h.plan(auth);
    const c = plan.changes.find((x) => x.field === 'guests.web-01.rules.unmanaged');
    assert.equal(c?.drift, true);
    await h.pass(auth);
    assert.deepEqual(comments(h.guestFw(301)!.rules), [
      'pxr:tenants/no-mgmt',
      'pxr:tenants/web',
      'pxr:tenants/ssh',
    ]);
    await h.pass(p);
  });

  it('a hand edit between the read and the write: the digest is refused, pxr re-reads and re-plans', async () => {
    h.guestFw(301)!.rules.reverse();
    const real = h.pve;
    let edited = false;
    const racing: PveClient = {
      ...real,
      put: async (path, params) => {
        if (!edited && path.includes('/lxc/301/firewall/rules/')) {
          edited = true;
          // Someone adds a rule by hand while pxr is between its read and its write.
          h.guestFw(301)!.rules.unshift({
            type: 'in',
            action: 'DROP',
            enable: 1,
            comment: 'racer',
          });
        }
        return real.put(path, params);
      },
    };
    h.useClient(racing);
    try {
      const out = await h.pass(p);
      assert.ok(edited);
      assert.ok(
        h.events.some((e) => e.reason === 'ConcurrentEdit'),
        JSON.stringify(out),
      );
      assert.deepEqual(
        comments(h.guestFw(301)!.rules).filter((c) => c !== 'racer'),
        ['pxr:tenants/no-mgmt', 'pxr:tenants/web', 'pxr:tenants/ssh'],
      );
      assert.ok(
        comments(h.guestFw(301)!.rules).includes('racer'),
        'the hand-made rule stays (merge)',
      );
    } finally {
      h.useClient(real);
      h.guestFw(301)!.rules = h.guestFw(301)!.rules.filter((r) => r.comment !== 'racer');
    }
  });

  it('options go out with the digest of the read: an edit in between is refused, the next pass repairs', async () => {
    const fw = h.guestFw(301)!;
    fw.options['enable'] = 0; // switched off by hand: drift
    const real = h.pve;
    let edited = false;
    const racing: PveClient = {
      ...real,
      put: async (path, params) => {
        if (!edited && path.endsWith('/lxc/301/firewall/options')) {
          edited = true;
          fw.options['log_level_in'] = 'info'; // another hand edit while pxr is writing
        }
        return real.put(path, params);
      },
    };
    h.useClient(racing);
    try {
      await assert.rejects(h.pass(p), /digest|modified/i, 'the stale write is refused');
      assert.ok(edited);
      assert.equal(Number(fw.options['enable']), 0, 'nothing was written over the new edit');
    } finally {
      h.useClient(real);
    }
    await h.pass(p);
    assert.equal(Number(fw.options['enable']), 1, 'the next pass re-read and repaired it');
    assert.equal(
      fw.options['log_level_in'],
      'info',
      'the other edit was not the policy’s business',
    );
    delete fw.options['log_level_in'];
  });

  it('groups, IP sets and aliases dropped from the spec are removed, rules referencing them first', async () => {
    const slim = policy('tenants', {
      ...SPEC,
      aliases: [],
      groups: [],
      ipsets: [],
      guests: [{ ...SPEC.guests![0]!, rules: [SPEC.guests![0]!.rules[2]!] }],
    });
    slim.spec.guests[0]!.rules[0] = { ...slim.spec.guests[0]!.rules[0]!, source: '10.10.0.5' };
    await h.pass(slim);
    assert.equal(h.fw.groups['web'], undefined);
    assert.equal(h.fw.ipsets['mgmt'], undefined);
    assert.equal(h.fw.aliases['proxy'], undefined);
    assert.deepEqual(comments(h.guestFw(301)!.rules), ['pxr:tenants/ssh']);
    await h.pass(p);
    assert.ok(h.fw.groups['web']);
  });

  it('finalize removes rules, then groups (a hand rule left in one: "not empty", kept and said), IP sets with entries, aliases', async () => {
    h.guestFw(301)!.rules.push({ type: 'in', action: 'ACCEPT', enable: 1, comment: 'mine' });
    h.fw.groups['web']!.rules.push({
      type: 'in',
      action: 'DROP',
      enable: 1,
      comment: 'hand rule in pxr group',
    });
    const r = await h.finalize(p);
    assert.equal(r, 'done');
    assert.deepEqual(comments(h.guestFw(301)!.rules), ['mine']);
    assert.equal(h.fw.ipsets['mgmt'], undefined);
    assert.equal(h.fw.aliases['proxy'], undefined);
    // Every pxr rule went: the group only holds someone's rule; Proxmox refused to delete it.
    assert.deepEqual(comments(h.fw.groups['web']?.rules), ['hand rule in pxr group']);
    assert.ok(h.events.some((e) => e.reason === 'NotRemoved' && /not empty/.test(e.message)));
    delete h.fw.groups['web'];
    h.guestFw(301)!.rules = [];
    h.status.delete('tenants');
  });
});

describe('FirewallPolicy selection and enforcement', () => {
  let h: FwHarness;
  before(async () => {
    h = await FwHarness.start();
  });
  after(() => h.close());

  const spec: Partial<FirewallPolicySpec> = {
    guests: [
      {
        name: 'db',
        select: { labels: { tier: 'db' } },
        rules: [
          { name: 'pg', type: 'in', action: 'ACCEPT', proto: 'tcp', dport: '5432', enable: true },
        ],
      },
    ],
  };

  it('waits for a selected container, then a new matching one gets its rules', async () => {
    const p = policy('dbs', spec);
    h.object('db-01', { tier: 'db' }); // stored, not created yet
    const waiting = await h.pass(p);
    assert.equal(waiting.notReady?.reason, 'WaitingForGuest');
    await h.container('db-01', 401, { tier: 'db' });
    const plan = await h.plan(p);
    const c = plan.changes.find((x) => x.field === 'guests.db-01.rules.pg');
    assert.equal(c?.drift, false, 'a newly selected guest is not drift');
    await h.pass(p);
    assert.deepEqual(comments(h.guestFw(401)?.rules), ['pxr:dbs/pg']);
    await h.container('db-02', 402, { tier: 'db' });
    await h.pass(p);
    assert.deepEqual(comments(h.guestFw(402)?.rules), ['pxr:dbs/pg']);
  });

  it("a container relabelled out of the selector loses the policy's rules (not drift), hand-made ones stay", async () => {
    const p = policy('dbs', spec);
    await h.pass(p);
    assert.deepEqual(comments(h.guestFw(402)?.rules), ['pxr:dbs/pg']);
    h.guestFw(402)!.rules.push({ type: 'in', action: 'DROP', enable: 1, comment: 'by hand' });
    h.object('db-02', { tier: 'retired' });
    const plan = await h.plan(p);
    const c = plan.changes.find((x) => x.field === 'guests.db-02.rules.pg');
    assert.equal(c?.drift, false);
    await h.pass(p);
    assert.deepEqual(comments(h.guestFw(402)?.rules), ['by hand']);
    const levels = h.status.get('dbs')!.observed['levels'] as Record<string, string>;
    assert.equal(levels['guests.db-02'], undefined);
    assert.ok(levels['guests.db-01']);
  });

  it('without enforce: Ready, NotEnforced names the cluster switch, the guest switch and the NIC', async () => {
    await h.container('db-03', 403, { tier: 'db' }, false);
    const p = policy('dbs', spec);
    const out = await h.pass(p);
    assert.equal(out.notReady, undefined);
    const c = out.conditions?.find((x) => x.type === 'NotEnforced');
    assert.equal(c?.status, 'True');
    assert.match(c.message, /cluster firewall is off/);
    assert.match(c.message, /firewall option of db-01/);
    assert.match(c.message, /net0 of db-03 lacks firewall=1/);
    // enforce: switches on, never the NIC (the AppContainer's).
    const enforced = await h.pass(policy('dbs', { ...spec, enforce: true }, { specHash: 'h2' }));
    const e = enforced.conditions?.find((x) => x.type === 'NotEnforced');
    assert.doesNotMatch(e!.message, /cluster firewall|firewall option/);
    assert.match(e!.message, /net0 of db-03 lacks firewall=1/);
    assert.equal(Number(h.s.sim.state.firewall.options['enable']), 1);
    assert.doesNotMatch(
      String((await h.pve.get<Record<string, string>>('/nodes/pve/lxc/403/config'))['net0']),
      /firewall=1/,
    );
  });
});

describe('FirewallPolicy: several policies on one guest, names taken by others', () => {
  let h: FwHarness;
  before(async () => {
    h = await FwHarness.start();
    await h.container('app-01', 501, { tier: 'app' });
  });
  after(() => h.close());

  const entry = (rule: string, policyIn: 'DROP' | 'REJECT', dport: string) => ({
    name: 'apps',
    select: { labels: { tier: 'app' } },
    options: { policy_in: policyIn },
    rules: [
      { name: rule, type: 'in' as const, action: 'ACCEPT', proto: 'tcp', dport, enable: true },
    ],
  });

  it("rules of two policies live side by side; an authoritative one leaves the other policy's rules; an option both set goes to the first by name", async () => {
    const a = policy('a-base', { guests: [entry('http', 'DROP', '80')] });
    const b = policy('b-extra', {
      mode: 'authoritative',
      guests: [entry('metrics', 'REJECT', '9100')],
    });
    h.policies.set(a.name, a);
    h.policies.set(b.name, b);
    await h.pass(a);
    h.guestFw(501)!.rules.push({ type: 'in', action: 'ACCEPT', enable: 1, comment: 'by hand' });
    await h.pass(b);
    assert.deepEqual(comments(h.guestFw(501)!.rules), ['pxr:b-extra/metrics', 'pxr:a-base/http']);
    assert.equal(h.guestFw(501)!.options['policy_in'], 'DROP', 'a-base comes first by name');
    assert.ok(
      h.events.some(
        (e) => e.name === 'b-extra' && e.reason === 'PolicyConflict' && /policy_in/.test(e.message),
      ),
    );
    // Both converged: neither undoes the other.
    assert.deepEqual((await h.plan(a)).changes, []);
    assert.deepEqual((await h.plan(b)).changes, []);
  });

  it('a group, IP set or alias of the same name that pxr did not create for this policy stalls it (NotOwned)', async () => {
    await h.pve.post('/cluster/firewall/groups', { group: 'web', comment: 'made by hand' });
    const p = policy('c-web', { groups: [{ name: 'web', rules: [] }] });
    const r = await h.rec.plan(h.ctx([p]), [p]);
    const err = r.get('c-web');
    assert.ok(err instanceof Error);
    assert.match(err.message, /security group web already exists and is not managed by pxr/);
    assert.equal((err as { reason?: string }).reason, 'NotOwned');
  });
});
