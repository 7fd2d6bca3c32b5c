/**
 * What `pxr get appcontainers` and `pxr events` print, read from a real store file: one IP format
 * for every container, the bridge of an appliance member under `-o wide`, and first and last seen
 * of a deduplicated event.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../src/core/clock.js';
import { emptyStatus } from '../../src/store/status-repo.js';
import { openStore } from '../../src/store/store.js';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'pxr-cli-columns-'));
const db = join(dir, 'pxr.db');
after(() => rmSync(dir, { recursive: true, force: true }));

const T0 = Date.UTC(2026, 0, 1, 10, 0, 0);

before(() => {
  const store = openStore(db, { clock: new ManualClock(T0) });
  const put = (kind: string, name: string, spec: Record<string, unknown>, observed = {}): void => {
    store.objects.insert(
      { kind, name, spec, labels: {}, annotations: {}, sourceFile: `${name}.yaml` },
      T0,
    );
    store.status.put({ kind, name }, { ...emptyStatus(), observed }, T0);
  };
  put('Appliance', 'gw', { node: 'pve', lan: { bridge: 'vmbr10', cidr: '10.20.0.1/24' } });
  // The four ways a container's address is recorded: static from the spec, DHCP from
  // /interfaces (both with a prefix), an appliance reservation and an appliance lease (bare).
  put(
    'AppContainer',
    'static',
    { node: 'pve', network: { bridge: 'vmbr1', ip: '10.1.0.11/24', gateway: '10.1.0.1' } },
    { vmid: 101, ip: '10.1.0.11/24' },
  );
  put(
    'AppContainer',
    'dhcp',
    { node: 'pve', network: { bridge: 'vmbr1', ip: 'dhcp' } },
    { vmid: 102, ip: '10.1.0.57/24' },
  );
  put(
    'AppContainer',
    'reserved',
    { node: 'pve', network: { appliance: 'gw', ip: '10.20.0.11/24' } },
    { vmid: 103, ip: '10.20.0.11', dnsName: 'reserved.lan' },
  );
  put(
    'AppContainer',
    'leased',
    { node: 'pve', network: { appliance: 'gw' } },
    { vmid: 104, ip: '10.20.0.150', dnsName: 'leased.lan' },
  );
  put('AppContainer', 'orphan', { node: 'pve', network: { appliance: 'missing' } }, {});
  store.events.record(
    { kind: 'AppContainer', name: 'dhcp' },
    { type: 'Warning', reason: 'StartFailed', message: 'no lease' },
    T0,
  );
  store.events.record(
    { kind: 'AppContainer', name: 'dhcp' },
    { type: 'Warning', reason: 'StartFailed', message: 'no lease' },
    T0 + 3_723_000,
  );
  store.close();
});

/** The table as rows of cells keyed by header (cells never contain two spaces). */
function table(out: string): Array<Record<string, string>> {
  const [head, ...lines] = out.trimEnd().split('\n');
  const headers = head!.split(/ {2,}/);
  return lines.map((l) => {
    const cells = l.split(/ {2,}/);
    return Object.fromEntries(headers.map((h, i) => [h, cells[i] ?? '']));
  });
}

describe('pxr get appcontainers', () => {
  test('the IP column is the bare address for static, DHCP, reserved and leased containers', async () => {
    const r = await runCli(['get', 'appcontainers', '--db', db], dir);
    assert.equal(r.code, 0, r.err);
    const ip = Object.fromEntries(table(r.out).map((row) => [row.NAME, row.IP]));
    assert.deepEqual(ip, {
      dhcp: '10.1.0.57',
      leased: '10.20.0.150',
      orphan: '-',
      reserved: '10.20.0.11',
      static: '10.1.0.11',
    });
  });

  test("-o wide BRIDGE shows the bridge, for an appliance member its appliance's LAN bridge", async () => {
    const r = await runCli(['get', 'appcontainers', '-o', 'wide', '--db', db], dir);
    assert.equal(r.code, 0, r.err);
    const bridge = Object.fromEntries(table(r.out).map((row) => [row.NAME, row.BRIDGE]));
    assert.deepEqual(bridge, {
      dhcp: 'vmbr1',
      leased: 'vmbr10',
      orphan: '-',
      reserved: 'vmbr10',
      static: 'vmbr1',
    });
  });
});

describe('pxr events', () => {
  test('shows first and last seen of a deduplicated event', async () => {
    const r = await runCli(['events', '--db', db], dir);
    assert.equal(r.code, 0, r.err);
    const [row] = table(r.out);
    assert.equal(row?.['FIRST SEEN'], '2026-01-01 10:00:00');
    assert.equal(row?.['LAST SEEN'], '2026-01-01 11:02:03');
    assert.equal(row?.COUNT, '2');
    assert.equal(row?.OBJECT, 'appcontainer/dhcp');
  });
});
