/**
 * `pxr get <kind>` takes its kind columns from the kind's definition (registry), not from the CLI:
 * every kind's declared headers appear in order, wide-only ones only with `-o wide`, and the Bridge
 * table is byte for byte what it was when the CLI held the columns.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../src/core/clock.js';
import { kindDefinitions } from '../../src/kinds/registry.js';
import { emptyStatus } from '../../src/store/status-repo.js';
import { openStore } from '../../src/store/store.js';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'pxr-kind-columns-'));
const db = join(dir, 'pxr.db');
after(() => rmSync(dir, { recursive: true, force: true }));

before(() => {
  const store = openStore(db, { clock: new ManualClock(Date.UTC(2026, 0, 1)) });
  const put = (kind: string, name: string, spec: Record<string, unknown>): void => {
    store.objects.insert(
      { kind, name, spec, labels: {}, annotations: {}, sourceFile: `${name}.yaml` },
      Date.UTC(2026, 0, 1),
    );
    store.status.put({ kind, name }, emptyStatus(), Date.UTC(2026, 0, 1));
  };
  put('Bridge', 'lan', {
    node: 'pve',
    iface: 'vmbr1',
    ports: ['eno1', 'eno2'],
    cidr: '10.1.0.1/24',
  });
  put('Bridge', 'iso', { node: 'pve', iface: 'vmbr2', ports: [] });
  put('Appliance', 'gw', { node: 'pve', lan: { bridge: 'vmbr10', cidr: '10.20.0.1/24' } });
  put('AppContainer', 'web', { node: 'pve', network: { appliance: 'gw' } });
  put('VirtualMachine', 'db', {
    node: 'pve',
    source: { image: 'local:import/debian-12.qcow2' },
    networks: [{ bridge: 'vmbr1' }],
  });
  store.status.put(
    { kind: 'VirtualMachine', name: 'db' },
    {
      ...emptyStatus(),
      observed: { vmid: 120, state: 'running', ips: ['10.1.0.20/24', '10.9.0.2/24'] },
      conditions: [
        {
          type: 'PendingRestart',
          status: 'True',
          reason: 'PendingChanges',
          message: 'memory',
          lastTransitionTime: Date.UTC(2026, 0, 1),
        },
      ],
    },
    Date.UTC(2026, 0, 1),
  );
  put('FirewallPolicy', 'tenants', { mode: 'merge', guests: [] });
  put('Issuer', 'ca', { ca: {} });
  put('Certificate', 'ui', { issuerRef: { name: 'ca' }, targets: { node: { name: 'pve' } } });
  put('Certificate', 'proxy', {
    issuerRef: { name: 'ca' },
    targets: {
      appliance: { name: 'gw' },
      files: [{ container: 'traefik' }, { container: 'web' }],
    },
  });
  put('Certificate', 'stored', { issuerRef: { name: 'ca' } });
  put('SdnZone', 'meshzone', { type: 'simple', dhcp: 'dnsmasq', ipam: 'pve' });
  put('VNet', 'mesh', {
    zone: 'meshzone',
    subnets: [{ cidr: '172.16.100.0/24', gateway: '172.16.100.1' }],
  });
  store.close();
});

const COMMON = ['READY', 'STATUS', 'DRIFT', 'AGE'];
const WIDE_COMMON = ['GEN', 'REVISION', 'SOURCE', 'MESSAGE'];

const headers = (out: string): string[] => out.split('\n')[0]!.trim().split(/ {2,}/);

describe('pxr get: kind columns come from the kind definitions', () => {
  for (const def of kindDefinitions()) {
    test(`${def.plural}: the definition's columns, wide-only ones with -o wide`, async () => {
      const cols = def.columns ?? [];
      assert.ok(cols.length > 0, `${def.kind} declares columns`);
      const narrow = await runCli(['get', def.plural, '--db', db], dir);
      assert.equal(narrow.code, 0, narrow.err);
      assert.deepEqual(headers(narrow.out), [
        'NAME',
        ...cols.filter((c) => !c.wide).map((c) => c.header),
        ...COMMON,
      ]);
      const wide = await runCli(['get', def.plural, '-o', 'wide', '--db', db], dir);
      assert.equal(wide.code, 0, wide.err);
      assert.deepEqual(headers(wide.out), [
        'NAME',
        ...cols.map((c) => c.header),
        ...COMMON,
        ...WIDE_COMMON,
      ]);
    });
  }

  test('the Bridge table is unchanged byte for byte', async () => {
    const r = await runCli(['get', 'br', '--db', db], dir);
    const age = /\d+[a-z]+\s*$/.exec(r.out.split('\n')[1]!)![0].trim();
    assert.equal(
      r.out.replaceAll(age, 'AGE_'),
      'NAME   NODE   IFACE   PORTS       CIDR          READY     STATUS    DRIFT   AGE\n' +
        'iso    pve    vmbr2   -           -             Unknown   Pending   -       AGE_\n' +
        'lan    pve    vmbr1   eno1,eno2   10.1.0.1/24   Unknown   Pending   -       AGE_\n',
    );
  });

  test('the SDN tables show zone type and DHCP, vnet zone, subnets and gateway', async () => {
    const z = await runCli(['get', 'sdnzones', '--db', db], dir);
    assert.match(z.out.split('\n')[1]!, /^meshzone\s+simple\s+-\s+dnsmasq\s+Unknown/);
    const v = await runCli(['get', 'vnets', '--db', db], dir);
    assert.match(
      v.out.split('\n')[1]!,
      /^mesh\s+meshzone\s+-\s+172\.16\.100\.0\/24\s+172\.16\.100\.1\s+Unknown/,
    );
  });

  test('certificates: TARGETS says where each certificate goes', async () => {
    const r = await runCli(['get', 'certificates', '--db', db], dir);
    assert.equal(r.code, 0, r.err);
    const targets = Object.fromEntries(
      r.out
        .split('\n')
        .slice(1)
        .filter((l) => l.trim() !== '')
        .map((l) => l.trim().split(/ {2,}/))
        .map((c) => [c[0], c[2]]),
    );
    assert.deepEqual(targets, {
      proxy: 'appliance/gw,files/traefik,files/web',
      stored: '-',
      ui: 'node/pve',
    });
  });

  test('virtualmachines: VMID, state, the first agent address and a pending restart', async () => {
    const r = await runCli(['get', 'vm', '-o', 'wide', '--db', db], dir);
    assert.equal(r.code, 0, r.err);
    const row = r.out.split('\n')[1]!.trim().split(/ {2,}/);
    assert.deepEqual(row.slice(0, 8), [
      'db',
      'pve',
      '120',
      'running',
      '10.1.0.20',
      'restart',
      'debian-12.qcow2',
      '-',
    ]);
  });

  test('no kind name appears in the CLI code that prints tables', () => {
    const names = kindDefinitions().flatMap((d) => [d.kind, d.plural]);
    const cliDir = new URL('../../src/cli/', import.meta.url);
    for (const f of ['columns.ts', 'cmd-get.ts', 'kinds.ts']) {
      const text = readFileSync(new URL(f, cliDir), 'utf8');
      for (const n of names) assert.ok(!text.includes(`'${n}'`), `${f} mentions '${n}'`);
    }
  });
});
