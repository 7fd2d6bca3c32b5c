/**
 * GET/PUT /cloudinit and GET /cloudinit/dump over HTTP: values pending against the generated drive
 * (added, changed, deleted), regeneration by PUT and by a start, and the nocloud user, network and
 * meta files as qemu-server's Cloudinit.pm writes them.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  encodeSshKeys,
  qemuCloudinit,
  qemuCloudinitDump,
  qemuPower,
  qemuRegenerateCloudinit,
  qemuUpdateConfig,
} from '../../../src/pve/qemu.js';
import { KEY, NODE, qemuRig, type QemuRig } from './rig.js';

describe('qemu cloud-init', () => {
  let r: QemuRig;
  before(async () => {
    r = await qemuRig();
    await r.create(500, {
      name: 'ci',
      ide2: 'local-lvm:cloudinit',
      net0: 'virtio=BC:24:11:00:05:00,bridge=vmbr0',
      ciuser: 'ops',
      cipassword: 'pw-12345',
      sshkeys: encodeSshKeys(`${KEY}\n`),
      ipconfig0: 'ip=10.0.5.10/24,gw=10.0.5.1',
      searchdomain: 'lab.example',
      nameserver: '10.0.5.1 1.1.1.1',
    });
  });
  after(() => r.close());

  test('before the drive is generated every value is pending (added)', async () => {
    const items = await qemuCloudinit(r.pve, NODE, 500);
    assert.deepEqual(
      items.map((i) => [i.key, i.value, i.pending]),
      [
        ['cipassword', undefined, '**********'],
        ['ciuser', undefined, 'ops'],
        ['ipconfig0', undefined, 'ip=10.0.5.10/24,gw=10.0.5.1'],
        ['nameserver', undefined, '10.0.5.1 1.1.1.1'],
        ['searchdomain', undefined, 'lab.example'],
        ['sshkeys', undefined, encodeSshKeys(`${KEY}\n`)],
      ],
    );
  });

  test('PUT regenerates; then a change shows old and new, a delete shows delete', async () => {
    await qemuRegenerateCloudinit(r.pve, NODE, 500);
    assert.ok((await qemuCloudinit(r.pve, NODE, 500)).every((i) => i.pending === undefined));
    await qemuUpdateConfig(r.pve, NODE, 500, { ciuser: 'admin', delete: 'searchdomain' });
    const items = await qemuCloudinit(r.pve, NODE, 500);
    assert.deepEqual(
      items.find((i) => i.key === 'ciuser'),
      { key: 'ciuser', value: 'ops', pending: 'admin' },
    );
    assert.deepEqual(
      items.find((i) => i.key === 'searchdomain'),
      { key: 'searchdomain', delete: 1 },
    );
    // a start regenerates the drive too
    assert.equal(await r.finish(await qemuPower(r.pve, NODE, 500, 'start')), 'OK');
    assert.ok((await qemuCloudinit(r.pve, NODE, 500)).every((i) => i.pending === undefined));
  });

  test('dump user, network and meta (nocloud)', async () => {
    const user = await qemuCloudinitDump(r.pve, NODE, 500, 'user');
    assert.match(
      user,
      /^#cloud-config\nhostname: ci\nmanage_etc_hosts: true\nfqdn: ci\nuser: admin\n/,
    );
    assert.match(user, /\npassword: \$5\$/);
    assert.ok(user.includes(`ssh_authorized_keys:\n  - ${KEY}\n`));
    assert.ok(
      user.endsWith('chpasswd:\n  expire: False\nusers:\n  - default\npackage_upgrade: true\n'),
    );
    const net = await qemuCloudinitDump(r.pve, NODE, 500, 'network');
    assert.equal(
      net,
      [
        'version: 1',
        'config:',
        '    - type: physical',
        '      name: eth0',
        "      mac_address: 'bc:24:11:00:05:00'",
        '      subnets:',
        '      - type: static',
        "        address: '10.0.5.10'",
        "        netmask: '255.255.255.0'",
        "        gateway: '10.0.5.1'",
        '    - type: nameserver',
        '      address:',
        "      - '10.0.5.1'",
        "      - '1.1.1.1'",
        '',
      ].join('\n'),
    );
    const meta = await qemuCloudinitDump(r.pve, NODE, 500, 'meta');
    assert.match(meta, /^instance-id: [0-9a-f]{40}\n$/);
    // the instance id follows the content: another user changes it
    await qemuUpdateConfig(r.pve, NODE, 500, { ciupgrade: 0 });
    assert.notEqual(await qemuCloudinitDump(r.pve, NODE, 500, 'meta'), meta);
  });
});
