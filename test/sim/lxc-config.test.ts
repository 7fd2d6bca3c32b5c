import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  configDigest,
  configView,
  descriptionReadBack,
  normalizeTags,
  pendingArray,
  renderConfig,
} from '../../src/sim/lxc/config-file.js';
import { updateConfig, type VolumeOps } from '../../src/sim/lxc/config-update.js';
import type { LxcState } from '../../src/sim/lxc/state.js';
import { detectFromTemplate, systemdNestingWarning } from '../../src/sim/lxc/create.js';
import { linkLocal } from '../../src/sim/lxc/runtime.js';
import { PveError } from '../../src/sim/types.js';

function ct(config: LxcState['config'], status: LxcState['status'] = 'stopped'): LxcState {
  return { vmid: 100, config, pending: {}, pendingDelete: [], status };
}

const BASE = {
  arch: 'amd64',
  hostname: 'web',
  memory: 512,
  swap: 512,
  ostype: 'debian',
  rootfs: 'local-lvm:vm-100-disk-0,size=4G',
  unprivileged: 1,
  net0: 'name=eth0,bridge=vmbr0,firewall=1,hwaddr=BC:24:11:00:00:01,ip=dhcp,type=veth',
};

/** Storage effects recorded instead of performed. */
function recordingOps(): VolumeOps & { allocated: string[]; freed: string[] } {
  let disk = 1;
  const allocated: string[] = [];
  const freed: string[] = [];
  return {
    allocated,
    freed,
    random: () => 0.5,
    alloc: (storage) => {
      const volid = `${storage}:vm-100-disk-${disk++}`;
      allocated.push(volid);
      return volid;
    },
    free: (volid) => {
      freed.push(volid);
    },
    checkRootdir: (volid) => {
      if (volid.startsWith('local:'))
        throw new PveError(
          500,
          "storage 'local' does not allow content type 'rootdir' (Container)\n",
        );
    },
    sizeOf: () => undefined,
    bridgeUp: (bridge) => bridge !== 'vmbr9',
  };
}

const update = (c: LxcState, set: Record<string, unknown>, del: string[] = []) =>
  updateConfig(c, c.status === 'running', { set, delete: del, revert: [] }, recordingOps());

describe('container config file', () => {
  test('tags are split on ; , and space, lower-cased, de-duplicated and sorted', () => {
    const cases: [string, string][] = [
      ['web;Prod', 'prod;web'],
      ['b, a c;A', 'a;b;c'],
      ['  one  ', 'one'],
      ['', ''],
    ];
    for (const [input, out] of cases) assert.equal(normalizeTags(input), out, input);
  });

  test('the file lists the description as comments, keys sorted, then [pve:pending]', () => {
    const c = ct({ memory: 512, hostname: 'web', description: 'first: line\nsecond 100%\n' });
    c.pending = { memory: 1024 };
    c.pendingDelete = ['swap', 'cores'];
    assert.equal(
      renderConfig(c),
      '#first%3A line\n#second 100%25\nhostname: web\nmemory: 512\n\n[pve:pending]\ndelete: cores,swap\nmemory: 1024\n',
    );
  });

  test('the digest is the sha1 of the rendered file, so a pending change alters it', () => {
    const c = ct({ ...BASE });
    assert.equal(configDigest(c), createHash('sha1').update(renderConfig(c)).digest('hex'));
    const before = configDigest(c);
    c.pending.cores = 2;
    assert.notEqual(configDigest(c), before);
  });

  test('a description reads back with a newline after every line', () => {
    assert.equal(descriptionReadBack('hello'), 'hello\n');
    assert.equal(descriptionReadBack('a\n\nb\n'), 'a\n\nb\n');
  });

  test('GET config merges pending values and deletes unless current=1', () => {
    const c = ct({ ...BASE, nameserver: '1.1.1.1' });
    c.pending = { memory: 2048 };
    c.pendingDelete = ['nameserver'];
    const merged = configView(c, false);
    assert.equal(merged.memory, 2048);
    assert.equal(merged.nameserver, undefined);
    const current = configView(c, true);
    assert.equal(current.memory, 512);
    assert.equal(current.nameserver, '1.1.1.1');
    assert.equal(merged.digest, current.digest);
  });

  test('GET pending lists value, pending and delete per key, digest included', () => {
    const c = ct({ memory: 512, nameserver: '1.1.1.1' });
    c.pending = { memory: 1024, searchdomain: 'lan' };
    c.pendingDelete = ['nameserver'];
    assert.deepEqual(pendingArray(c), [
      { key: 'digest', value: configDigest(c) },
      { key: 'memory', value: 512, pending: 1024 },
      { key: 'nameserver', value: '1.1.1.1', delete: 1 },
      { key: 'searchdomain', pending: 'lan' },
    ]);
  });
});

describe('container config updates', () => {
  test('a stopped container takes every change at once', () => {
    const { ct: out, errors } = update(ct({ ...BASE }), {
      memory: 1024,
      nameserver: '9.9.9.9',
      tags: 'B,a',
    });
    assert.deepEqual(errors, {});
    assert.equal(out.config.memory, 1024);
    assert.equal(out.config.nameserver, '9.9.9.9');
    assert.equal(out.config.tags, 'a;b');
    assert.deepEqual(out.pending, {});
  });

  test('a running container applies fast-plug and hot-plug keys and keeps the rest pending', () => {
    const running = ct({ ...BASE }, 'running');
    const { ct: out } = update(running, {
      hostname: 'web2',
      cores: 2,
      memory: 1024,
      swap: 256,
      cpulimit: 1.5,
      nameserver: '9.9.9.9',
      ostype: 'ubuntu',
    });
    assert.equal(out.config.hostname, 'web2');
    assert.equal(out.config.cores, 2);
    assert.equal(out.config.memory, 1024);
    assert.equal(out.config.swap, 256);
    assert.equal(out.config.cpulimit, '1.5');
    assert.deepEqual(out.pending, { nameserver: '9.9.9.9', ostype: 'ubuntu' });
    assert.equal(out.config.nameserver, undefined);
  });

  test('a running container hot-plugs a changed NIC, re-printed with a generated MAC', () => {
    const { ct: out } = update(ct({ ...BASE }, 'running'), {
      net1: 'bridge=vmbr1,name=eth1,ip=10.1.0.5/24',
    });
    assert.equal(
      out.config.net1,
      'name=eth1,bridge=vmbr1,hwaddr=BC:24:11:80:80:80,ip=10.1.0.5/24,type=veth',
    );
  });

  test('hot-plugging a NIC onto a missing bridge is a per-option error', () => {
    const { errors } = update(ct({ ...BASE }, 'running'), { net1: 'name=eth1,bridge=vmbr9' });
    assert.deepEqual(errors, { net1: "unable to hotplug net1: bridge 'vmbr9' does not exist" });
  });

  test('deleting a non-hotpluggable key on a running container stays a pending delete', () => {
    const { ct: out } = update(ct({ ...BASE, nameserver: '1.1.1.1', onboot: 1 }, 'running'), {}, [
      'nameserver',
      'onboot',
    ]);
    assert.equal(out.config.onboot, undefined);
    assert.equal(out.config.nameserver, '1.1.1.1');
    assert.deepEqual(out.pendingDelete, ['nameserver']);
  });

  test('a pending value equal to the applied one is dropped', () => {
    const c = ct({ ...BASE }, 'running');
    const first = update(c, { ostype: 'ubuntu' }).ct;
    assert.deepEqual(first.pending, { ostype: 'ubuntu' });
    const second = update(first, { ostype: 'debian' }).ct;
    assert.deepEqual(second.pending, {});
  });

  test('a new mount point on STORAGE:SIZE allocates a volume and is printed with its size', () => {
    const ops = recordingOps();
    const { ct: out } = updateConfig(
      ct({ ...BASE }),
      false,
      { set: { mp0: 'local-lvm:8,mp=/data' }, delete: [], revert: [] },
      ops,
    );
    assert.deepEqual(ops.allocated, ['local-lvm:vm-100-disk-1']);
    assert.equal(out.config.mp0, 'local-lvm:vm-100-disk-1,mp=/data,size=8G');
  });

  test('deleting a mount point of a stopped container keeps its volume as unused0', () => {
    const c = ct({ ...BASE, mp0: 'local-lvm:vm-100-disk-1,mp=/data,size=8G' });
    const { ct: out } = update(c, {}, ['mp0']);
    assert.equal(out.config.mp0, undefined);
    assert.equal(out.config.unused0, 'local-lvm:vm-100-disk-1');
  });

  const DIES: {
    name: string;
    c: LxcState;
    set: Record<string, unknown>;
    del: string[];
    message: string;
  }[] = [
    {
      name: 'deleting memory',
      c: ct({ ...BASE }),
      set: {},
      del: ['memory'],
      message: "unable to delete required option 'memory'\n",
    },
    {
      name: 'deleting rootfs',
      c: ct({ ...BASE }),
      set: {},
      del: ['rootfs'],
      message: "unable to delete required option 'rootfs'\n",
    },
    {
      name: 'changing unprivileged',
      c: ct({ ...BASE }),
      set: { unprivileged: 0 },
      del: [],
      message: "unable to modify read-only option: 'unprivileged'\n",
    },
    {
      name: 'deleting unprivileged',
      c: ct({ ...BASE }),
      set: {},
      del: ['unprivileged'],
      message: "unable to delete read-only option: 'unprivileged'\n",
    },
    {
      name: 'removing a mount point under protection',
      c: ct({ ...BASE, protection: 1, mp0: 'local-lvm:vm-100-disk-1,mp=/data' }),
      set: {},
      del: ['mp0'],
      message: "can't remove CT 100 drive 'mp0' - protection mode enabled\n",
    },
    {
      name: 'a mount point on a storage without rootdir',
      c: ct({ ...BASE }),
      set: { mp0: 'local:8,mp=/data' },
      del: [],
      message: "storage 'local' does not allow content type 'rootdir' (Container)\n",
    },
  ];
  for (const d of DIES) {
    test(`${d.name} dies and changes nothing`, () => {
      const before = structuredClone(d.c);
      assert.throws(
        () => update(d.c, d.set, d.del),
        (e: unknown) => e instanceof PveError && e.status === 500 && e.message === d.message,
      );
      assert.deepEqual(d.c, before);
    });
  }

  test('deleting an option that is not set is ignored', () => {
    const { ct: out } = update(ct({ ...BASE }), {}, ['nameserver']);
    assert.deepEqual(out.pendingDelete, []);
    assert.deepEqual(out.config, BASE);
  });
});

describe('container runtime details', () => {
  test('ostype and arch come from the template name', () => {
    const cases: [string, string, string][] = [
      ['local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst', 'debian', 'amd64'],
      ['local:vztmpl/ubuntu-24.04-standard_24.04-2_amd64.tar.zst', 'ubuntu', 'amd64'],
      ['local:vztmpl/alpine-3.20-default_20240908_arm64.tar.xz', 'alpine', 'arm64'],
      ['local:vztmpl/rockylinux-9-default_20240912_amd64.tar.xz', 'centos', 'amd64'],
      ['local:vztmpl/custom.tar.gz', 'unmanaged', 'amd64'],
    ];
    for (const [volid, ostype, arch] of cases)
      assert.deepEqual(detectFromTemplate(volid), { ostype, arch }, volid);
  });

  test('systemd templates without nesting warn, with nesting or without systemd they do not', () => {
    const debian = 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst';
    assert.equal(
      systemdNestingWarning(debian, ''),
      'Systemd 252 detected. You may need to enable nesting.',
    );
    assert.equal(
      systemdNestingWarning('local:vztmpl/ubuntu-24.04-standard_24.04-2_amd64.tar.zst', 'keyctl=1'),
      'Systemd 255 detected. You may need to enable nesting.',
    );
    assert.equal(systemdNestingWarning(debian, 'keyctl=1,nesting=1'), undefined);
    assert.equal(
      systemdNestingWarning('local:vztmpl/debian-10-standard_10.7-1_amd64.tar.gz', ''),
      undefined,
    );
    assert.equal(
      systemdNestingWarning('local:vztmpl/alpine-3.20-default_20240908_amd64.tar.xz', ''),
      undefined,
    );
  });

  test('the link-local address is the EUI-64 of the MAC', () => {
    assert.equal(linkLocal('bc:24:11:a0:00:87'), 'fe80::be24:11ff:fea0:87');
  });
});
