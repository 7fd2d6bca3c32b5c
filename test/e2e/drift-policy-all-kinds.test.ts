/**
 * Issue 9's acceptance: the drift policy and ignore-fields are the runtime's, applied to every kind's
 * plan the same way. For each kind (Bridge, AppContainer, Appliance, FirewallPolicy), through the real controller against the simulator: a hand edit
 * under `pxr/drift: alert` is recorded and left in place; under `pxr/drift-ignore: <field>` it is
 * neither reported nor corrected; with neither, it is corrected.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../helpers/wait.js';
import { waitTask } from '../helpers/wait-task.js';
import { bridgeDoc, startHarness, type Harness } from './harness.js';

interface KindCase {
  kind: string;
  name: string;
  /** Documents it needs first (its bridge), keyed by file. */
  deps: Record<string, string>;
  doc(annotations: Record<string, string>): string;
  /** The drift field the hand edit makes. */
  field: string;
  /** Changes reality by hand, as a person in the Proxmox UI would. */
  edit(h: Harness): Promise<void>;
  /** Whether reality still shows the hand edit. */
  edited(h: Harness): Promise<boolean>;
}

const TEMPLATE = 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst';

function meta(kind: string, name: string, annotations: Record<string, string>): string[] {
  return [
    'apiVersion: pxr/v1alpha1',
    `kind: ${kind}`,
    'metadata:',
    `  name: ${name}`,
    ...(Object.keys(annotations).length > 0
      ? ['  annotations:', ...Object.entries(annotations).map(([k, v]) => `    ${k}: '${v}'`)]
      : []),
  ];
}

async function ctConfig(h: Harness, kind: string, name: string): Promise<Record<string, unknown>> {
  const vmid = h.app.store.status.get({ kind, name })?.observed['vmid'];
  assert.equal(typeof vmid, 'number', `${kind}/${name} has a vmid`);
  return h.pve.get<Record<string, unknown>>(`/nodes/pve/lxc/${String(vmid)}/config`);
}

async function setMemory(h: Harness, kind: string, name: string, memory: number): Promise<void> {
  const vmid = h.app.store.status.get({ kind, name })?.observed['vmid'];
  await h.pve.put(`/nodes/pve/lxc/${String(vmid)}/config`, { memory });
}

const bridge = bridgeDoc('lab', { iface: 'vmbr7', ports: ['eno2'], cidr: '10.7.0.2/24' });

const CASES: KindCase[] = [
  {
    kind: 'Bridge',
    name: 'lan',
    deps: {},
    doc: (a) =>
      bridgeDoc(
        'lan',
        { iface: 'vmbr8', ports: ['eno3'], comment: 'lab' },
        Object.keys(a).length > 0 ? { annotations: a } : {},
      ),
    field: 'comments',
    async edit(h) {
      await h.pve.updateNetwork('pve', 'vmbr8', {
        type: 'bridge',
        bridge_ports: 'eno3',
        comments: 'by hand',
      });
      await waitTask(h.pve, 'pve', await h.pve.applyNetwork('pve'), { pollMs: 20 });
    },
    async edited(h) {
      const net = await h.pve.listNetwork('pve');
      return net.ifaces.find((i) => i.iface === 'vmbr8')?.comments?.trim() === 'by hand';
    },
  },
  {
    kind: 'AppContainer',
    name: 'web',
    deps: { 'lab.yaml': bridge },
    doc: (a) =>
      [
        ...meta('AppContainer', 'web', a),
        'spec:',
        '  node: pve',
        `  template: ${TEMPLATE}`,
        '  resources: { cores: 1, memory: 512 }',
        '  network: { bridge: vmbr7, ip: 10.7.0.20/24 }',
        '',
      ].join('\n'),
    field: 'memory',
    edit: (h) => setMemory(h, 'AppContainer', 'web', 1024),
    edited: async (h) => (await ctConfig(h, 'AppContainer', 'web'))['memory'] === 1024,
  },
  {
    kind: 'Appliance',
    name: 'gw',
    deps: { 'lab.yaml': bridge },
    doc: (a) =>
      [
        ...meta('Appliance', 'gw', a),
        'spec:',
        '  node: pve',
        `  template: ${TEMPLATE}`,
        '  resources: { cores: 1, memory: 256 }',
        '  wan: { bridge: vmbr0, ip: dhcp }',
        '  lan: { bridge: vmbr7, cidr: 10.7.0.1/24 }',
        '  dhcp: { range: { start: 10.7.0.100, end: 10.7.0.199 } }',
        '  dns: { domain: lab.local }',
        '  access: { transport: simulated }',
        '',
      ].join('\n'),
    field: 'memory',
    edit: (h) => setMemory(h, 'Appliance', 'gw', 2048),
    edited: async (h) => (await ctConfig(h, 'Appliance', 'gw'))['memory'] === 2048,
  },
  {
    kind: 'FirewallPolicy',
    name: 'base',
    deps: {},
    doc: (a) =>
      [
        ...meta('FirewallPolicy', 'base', a),
        'spec:',
        '  cluster: { options: { enable: true, policy_in: DROP } }',
        '',
      ].join('\n'),
    field: 'cluster.options.policy_in',
    edit: async (h) => {
      await h.pve.put('/cluster/firewall/options', { policy_in: 'ACCEPT' });
    },
    edited: async (h) =>
      (await h.pve.get<Record<string, unknown>>('/cluster/firewall/options'))['policy_in'] ===
      'ACCEPT',
  },
];

const ready = (h: Harness, kind: string, name: string): boolean =>
  h.app.store.status
    .get({ kind, name })
    ?.conditions.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

describe('drift policy and ignore-fields: the same for every kind', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  for (const c of CASES) {
    test(`${c.kind}: alert leaves it, ignore-fields hides it, correct repairs it`, async () => {
      const ref = { kind: c.kind, name: c.name };
      const file = `${c.kind.toLowerCase()}-${c.name}.yaml`;
      for (const [f, text] of Object.entries(c.deps)) h.write(f, text);
      h.write(file, c.doc({ 'pxr/drift': 'alert' }));
      await waitFor(`${c.kind}/${c.name} Ready`, () => ready(h, c.kind, c.name), 60_000);
      await h.app.manager.waitForIdle();
      const pass = async (): Promise<void> => {
        h.app.manager.controller(c.kind)?.enqueueAll();
        await h.app.manager.waitForIdle();
      };

      // alert: recorded, not corrected.
      await c.edit(h);
      await pass();
      await pass();
      assert.deepEqual(
        h.app.store.drift.open(ref).map((d) => d.field),
        [c.field],
        'the drift is recorded',
      );
      assert.equal(await c.edited(h), true, 'alert leaves the hand edit in place');

      // ignore-fields (policy correct): neither reported nor corrected.
      h.write(file, c.doc({ 'pxr/drift-ignore': c.field }));
      await waitFor(
        'the annotation ingested',
        () => h.app.store.objects.get(ref)?.annotations['pxr/drift-ignore'] === c.field,
      );
      await h.app.manager.waitForIdle();
      await pass();
      assert.deepEqual(h.app.store.drift.open(ref), [], 'an ignored field is not drift');
      assert.equal(await c.edited(h), true, 'an ignored field is not corrected');

      // neither: corrected and recorded as such.
      h.write(file, c.doc({}));
      await waitFor(`${c.kind}/${c.name} corrected`, async () => !(await c.edited(h)), 30_000);
      await h.app.manager.waitForIdle();
      const last = h.app.store.drift.list(ref).find((d) => d.field === c.field);
      assert.equal(last?.corrected, true, 'the correction is recorded');
    });
  }
});
