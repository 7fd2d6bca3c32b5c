import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NftService } from '../../src/appliance/services/nftables.js';
import { LocalTransport } from '../../src/appliance/transport/local.js';
import { lab, skipWithout, skipWithoutRoot } from './fixtures.js';
import { Netns } from './netns.js';

describe(
  'nftables service in a fresh network namespace',
  { skip: skipWithout('nft', 'ip', 'sysctl') || skipWithoutRoot() },
  () => {
    const ns = new Netns(`pxr-nft-${process.pid}`);
    let dir = '';
    let svc: NftService;

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'pxr-nft-'));
      await ns.create();
      svc = new NftService({
        transport: new LocalTransport({ execPrefix: ns.execPrefix }),
        layout: { rulesPath: join(dir, 'pxr.nft'), sysctlPath: join(dir, '99-pxr.conf') },
      });
    });
    after(async () => {
      await ns.destroy();
      await rm(dir, { recursive: true, force: true });
    });

    test('apply creates the table and turns IP forwarding on; read back equals desired', async () => {
      const r = await svc.apply(lab());
      assert.deepEqual(
        r.drift.map((d) => d.field),
        ['nftables.table', 'sysctl.net.ipv4.ip_forward'],
      );
      assert.deepEqual(r.actions, [
        `nft -f ${join(dir, 'pxr.nft')}`,
        'sysctl -w net.ipv4.ip_forward=1',
        `wrote ${join(dir, '99-pxr.conf')}`,
      ]);
      assert.deepEqual(r.remaining, []);
      assert.match(await readFile(join(dir, '99-pxr.conf'), 'utf8'), /net\.ipv4\.ip_forward = 1/);
      const listed = (await ns.exec(['nft', 'list', 'table', 'inet', 'pxr'])).stdout;
      assert.match(listed, /ip saddr 10\.20\.0\.0\/24 oifname "wan0" masquerade/);
    });

    test('a second apply finds nothing to do', async () => {
      const r = await svc.apply(lab());
      assert.deepEqual(r.drift, []);
      assert.deepEqual(r.actions, []);
    });

    test('a table flushed by hand is drift, and apply re-creates its rules', async () => {
      await ns.exec(['nft', 'flush', 'table', 'inet', 'pxr']);
      const drift = svc.diff(lab(), await svc.observe());
      assert.deepEqual(
        drift.map((d) => [d.field, d.actual]),
        [
          ['nftables.chain.forward.rules', ''],
          ['nftables.chain.postrouting.rules', ''],
        ],
      );
      const r = await svc.apply(lab());
      assert.deepEqual(r.drift, drift);
      assert.deepEqual(r.remaining, []);
    });

    test('a rule added by hand and forwarding turned off are drift, and both are reverted', async () => {
      await ns.exec([
        'nft',
        'add',
        'rule',
        'inet',
        'pxr',
        'forward',
        'iifname',
        '"wan0"',
        'accept',
      ]);
      await ns.exec(['sysctl', '-w', 'net.ipv4.ip_forward=0']);
      const r = await svc.apply(lab());
      assert.deepEqual(
        r.drift.map((d) => [d.field, d.actual]),
        [
          [
            'nftables.chain.forward.rules',
            'ct state established,related accept\niifname "lan0" oifname "wan0" accept\niifname "wan0" accept',
          ],
          ['sysctl.net.ipv4.ip_forward', '0'],
        ],
      );
      assert.deepEqual(r.remaining, []);
    });

    test('NAT turned off drops the masquerade chain and IP forwarding', async () => {
      const off = lab({
        nat: { enabled: false, masqueradeFrom: '10.20.0.0/24', outIface: 'wan0' },
      });
      const r = await svc.apply(off);
      assert.deepEqual(
        r.drift.map((d) => d.field),
        [
          'nftables.chain.forward.rules',
          'nftables.chain.postrouting',
          'sysctl.net.ipv4.ip_forward',
        ],
      );
      assert.deepEqual(r.remaining, []);
      assert.equal((await ns.exec(['sysctl', '-n', 'net.ipv4.ip_forward'])).stdout.trim(), '0');
    });
  },
);
