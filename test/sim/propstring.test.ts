import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  formatSize,
  parsePropertyString,
  parseSize,
  printPropertyString,
} from '../../src/sim/lxc/property-string.js';
import {
  FEATURES_FORMAT,
  MP_FORMAT,
  NET_FORMAT,
  ROOTFS_FORMAT,
  parseMountPoint,
  parseNet,
  printMountPoint,
  printNet,
  randomMac,
} from '../../src/sim/lxc/ct-formats.js';

/** A random source that replays fixed values, so generated MACs are predictable. */
function fixedRandom(...values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length] ?? 0;
}

describe('property strings', () => {
  const REPRINT: { name: string; format: typeof NET_FORMAT; input: string; printed: string }[] = [
    {
      name: 'net: required name first, then the rest sorted',
      format: NET_FORMAT,
      input: 'type=veth,ip=dhcp,hwaddr=BC:24:11:00:00:01,firewall=1,bridge=vmbr0,name=eth0',
      printed: 'name=eth0,bridge=vmbr0,firewall=1,hwaddr=BC:24:11:00:00:01,ip=dhcp,type=veth',
    },
    {
      name: 'net: booleans are normalised to 0/1',
      format: NET_FORMAT,
      input: 'name=eth0,firewall=yes,link_down=off',
      printed: 'name=eth0,firewall=1,link_down=0',
    },
    {
      name: 'net: host-managed sorts before hwaddr (byte order)',
      format: NET_FORMAT,
      input: 'name=eth1,hwaddr=BC:24:11:00:00:02,host-managed=1',
      printed: 'name=eth1,host-managed=1,hwaddr=BC:24:11:00:00:02',
    },
    {
      name: 'rootfs: the default key is printed bare and first',
      format: ROOTFS_FORMAT,
      input: 'size=8G,volume=local-lvm:vm-100-disk-0',
      printed: 'local-lvm:vm-100-disk-0,size=8G',
    },
    {
      name: 'mp: volume bare, required mp next, then sorted',
      format: MP_FORMAT,
      input: 'backup=1,mp=/data,local-lvm:vm-100-disk-1,size=1024M',
      printed: 'local-lvm:vm-100-disk-1,mp=/data,backup=1,size=1G',
    },
    {
      name: 'features: all optional, sorted',
      format: FEATURES_FORMAT,
      input: 'nesting=1,keyctl=true',
      printed: 'keyctl=1,nesting=1',
    },
  ];
  for (const c of REPRINT) {
    test(c.name, () => {
      assert.equal(
        printPropertyString(parsePropertyString(c.format, c.input), c.format),
        c.printed,
      );
    });
  }

  const INVALID: { name: string; format: typeof NET_FORMAT; input: string; error: RegExp }[] = [
    {
      name: 'an unknown key',
      format: NET_FORMAT,
      input: 'name=eth0,colour=red',
      error: /^invalid key in comma-separated list property: colour$/,
    },
    {
      name: 'a duplicate key',
      format: NET_FORMAT,
      input: 'name=eth0,name=eth1',
      error: /^duplicate key in comma-separated list property: name$/,
    },
    {
      name: 'a missing required key',
      format: NET_FORMAT,
      input: 'bridge=vmbr0',
      error: /^name: property is missing and it is not optional$/,
    },
    {
      name: 'a bare value without a default key',
      format: NET_FORMAT,
      input: 'eth0',
      error: /^value without key, but schema does not define a default key$/,
    },
    {
      name: 'a non-boolean boolean',
      format: NET_FORMAT,
      input: 'name=eth0,firewall=maybe',
      error: /type check \('boolean'\) failed - got 'maybe'/,
    },
    {
      name: 'an enum miss',
      format: NET_FORMAT,
      input: 'name=eth0,type=macvlan',
      error: /does not have a value in the enumeration 'veth'/,
    },
    {
      name: 'a bad disk size',
      format: ROOTFS_FORMAT,
      input: 'local-lvm:vm-100-disk-0,size=big',
      error: /value does not look like a valid disk size: big/,
    },
  ];
  for (const c of INVALID) {
    test(`rejects ${c.name}`, () => {
      assert.throws(() => parsePropertyString(c.format, c.input), { message: c.error });
    });
  }

  test('sizes parse to bytes and print in the largest exact unit', () => {
    const cases: [string, number, string][] = [
      ['4G', 4 * 1024 ** 3, '4G'],
      ['4096M', 4 * 1024 ** 3, '4G'],
      ['1.5G', 1.5 * 1024 ** 3, '1536M'],
      ['1T', 1024 ** 4, '1T'],
      ['1000', 1000, '1000'],
      ['2048K', 2 * 1024 ** 2, '2M'],
    ];
    for (const [text, bytes, printed] of cases) {
      assert.equal(parseSize(text), bytes, text);
      assert.equal(formatSize(bytes), printed, text);
    }
    assert.equal(parseSize('4X'), undefined);
  });
});

describe('container network and mount point strings', () => {
  test('parse_lxc_network forces type=veth and generates a BC:24:11 MAC when none is given', () => {
    const net = parseNet('name=eth0,bridge=vmbr0,ip=dhcp,firewall=1', fixedRandom(0.5, 0.25, 0));
    assert.equal(
      printNet(net),
      'name=eth0,bridge=vmbr0,firewall=1,hwaddr=BC:24:11:80:40:00,ip=dhcp,type=veth',
    );
  });

  test('an explicit MAC is kept as given', () => {
    const net = parseNet('name=eth0,hwaddr=bc:24:11:aa:bb:cc', fixedRandom(0.9));
    assert.equal(net.hwaddr, 'bc:24:11:aa:bb:cc');
  });

  test('generated MACs are upper-case hex with the datacenter default prefix', () => {
    assert.match(randomMac(Math.random), /^BC:24:11(:[0-9A-F]{2}){3}$/);
  });

  test('a rootfs size reads back in bytes and prints without mp', () => {
    const mp = parseMountPoint('rootfs', 'local-lvm:vm-100-disk-0,size=4G');
    assert.equal(mp.size, 4 * 1024 ** 3);
    assert.equal(mp.type, 'volume');
    assert.equal(
      printMountPoint('rootfs', { ...mp.values, mp: '/' }),
      'local-lvm:vm-100-disk-0,size=4G',
    );
  });

  test('mount points are classified as volume, bind or device', () => {
    assert.equal(parseMountPoint('mp0', 'local-lvm:8,mp=/data').type, 'volume');
    assert.equal(parseMountPoint('mp1', '/srv/share,mp=/share').type, 'bind');
    assert.equal(parseMountPoint('mp2', '/dev/sdb1,mp=/disk').type, 'device');
  });
});
