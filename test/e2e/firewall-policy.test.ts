/**
 * FirewallPolicy end to end: the controller as `pxr run` builds it, on a copy of the demo manifests
 * (the four-network host's tenant isolation included), against the simulator over HTTP. Every
 * policy converges Ready and enforced; a container created later that matches a selector gets its
 * rules through the AppContainer watch, without waiting for a resync.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { startHarness, type Harness } from './harness.js';
import { waitFor } from '../helpers/wait.js';
import { runCli } from '../helpers/cli.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('FirewallPolicy through the controller (demo manifests)', () => {
  let h: Harness;
  let copy: string;
  before(async () => {
    copy = mkdtempSync(join(tmpdir(), 'pxr-fw-manifests-'));
    cpSync(join(ROOT, 'manifests'), copy, { recursive: true });
    // A long resync: whatever happens below is the watches' doing.
    h = await startHarness({ manifests: copy, resyncMs: 600_000 });
  });
  after(async () => {
    await h.close();
    rmSync(copy, { recursive: true, force: true });
  });

  const status = (kind: string, name: string) => h.app.store.status.get({ kind, name });
  const cond = (kind: string, name: string, type: string) =>
    status(kind, name)?.conditions.find((c) => c.type === type);

  test('the tenant isolation converges: Ready, enforced, rules on every selected guest', async () => {
    await waitFor(
      'FirewallPolicy/tenant-isolation Ready and enforced',
      () =>
        cond('FirewallPolicy', 'tenant-isolation', 'Ready')?.status === 'True' &&
        cond('FirewallPolicy', 'tenant-isolation', 'NotEnforced')?.status === 'False',
      120_000,
      200,
    ).catch((err: Error) => {
      throw new Error(
        `${err.message}: ${JSON.stringify(status('FirewallPolicy', 'tenant-isolation'))}`,
      );
    });
    const fw = h.sim.sim.state.firewall;
    assert.equal(Number(fw.options['enable']), 1);
    assert.ok(fw.groups['tenant-base']);
    assert.deepEqual(
      h.sim.sim.state.nodes['pve']!.firewall.rules.map((r) => r.comment),
      [
        'pxr:tenant-isolation/mgmt-from-clients the client LAN never reaches management',
        'pxr:tenant-isolation/admin-ssh',
        'pxr:tenant-isolation/admin-gui',
      ],
    );
    for (const name of ['web-01', 'api-01', 'db-01', 'vaultwarden', 'media']) {
      const vmid = status('AppContainer', name)?.observed['vmid'] as number;
      const g = h.sim.sim.state.nodes['pve']!.guestFirewall[String(vmid)];
      assert.ok(g, `${name} has a firewall config`);
      assert.equal(Number(g.options['enable']), 1, name);
      assert.ok(g.rules.length === 2 && g.rules.every((r) => r.enable === 1), name);
    }
  });

  test('pxr describe shows the reachability matrix: the client bridge denied to management', async () => {
    const secret = join(h.dir, 'token');
    writeFileSync(secret, h.sim.tokenSecret, { mode: 0o600 });
    const args = ['--db', h.db, '--pve-url', h.sim.url, '--pve-token-id', h.sim.tokenId];
    const r = await runCli(
      ['describe', 'firewallpolicy/tenant-isolation', ...args, '--pve-token-secret-file', secret],
      h.dir,
    );
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^Reachability \(computed from the rules in Proxmox\):$/m);
    const row = (from: string, to: string): string | undefined =>
      r.out.split('\n').find((l) => l.trim().startsWith(from) && l.includes(`(${to})`));
    assert.match(row('vmbr0 subnet', 'netbox') ?? '', /\sdeny\s+in \d+\/net0: policy_in DROP/);
    assert.match(row('vmbr2 subnet', 'netbox') ?? '', /\sallow\s.*pxr:tenant-isolation\/from-mgmt/);
    assert.match(row('vmbr0 subnet', 'vaultwarden') ?? '', /\sdeny\s.*drop-untrusted/);
    const json = await runCli(
      [
        'describe',
        'firewallpolicy/tenant-isolation',
        ...args,
        '--pve-token-secret-file',
        secret,
        '-o',
        'json',
      ],
      h.dir,
    );
    const live = (JSON.parse(json.out) as { live?: { json?: { cells?: unknown[] } } }).live;
    assert.ok((live?.json?.cells?.length ?? 0) > 0, json.out.slice(0, 500));
    // Without an endpoint, describe says how to get the view instead of failing.
    const plain = await runCli(
      ['describe', 'firewallpolicy/tenant-isolation', '--db', h.db],
      h.dir,
    );
    assert.equal(plain.code, 0, plain.err);
    assert.match(plain.out, /give --sim or --pve-url/);
  });

  test('a new container matching a selector gets its rules (watch, no resync)', async () => {
    h.write(
      'app-lan/web-02.yaml',
      [
        'apiVersion: pxr/v1alpha1',
        'kind: AppContainer',
        'metadata:',
        '  name: web-02',
        '  labels: { tier: web }',
        'spec:',
        '  node: pve',
        '  template: local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst',
        '  network: { appliance: proximity-gw, ip: 10.20.0.13/24, firewall: true }',
        '',
      ].join('\n'),
    );
    await waitFor(
      'web-02 gets the web rules',
      () => {
        const vmid = status('AppContainer', 'web-02')?.observed['vmid'] as number | undefined;
        const g =
          vmid === undefined
            ? undefined
            : h.sim.sim.state.nodes['pve']!.guestFirewall[String(vmid)];
        return (
          g?.rules.map((r) => r.comment).join(',') ===
          'pxr:tenant-isolation/web-base,pxr:tenant-isolation/proxy-http'
        );
      },
      120_000,
      200,
    );
    await waitFor(
      'the policy Ready again',
      () => cond('FirewallPolicy', 'tenant-isolation', 'Ready')?.status === 'True',
      60_000,
      200,
    );
  });
});
