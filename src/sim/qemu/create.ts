/**
 * POST /nodes/{node}/qemu (`create_vm`): the synchronous checks in qemu-server's order
 * (parameters, ssh keys, pool, drives and storages, random MACs), then `create_and_lock_config`
 * (`unable to create VM 100 - VM 100 already exists on node 'pve'`) writes the config with
 * `lock: create` before the `qmcreate` worker allocates and imports the disks.
 */
import { die, type RequestContext } from '../types.js';
import type { QemuState } from './state.js';
import { checkVmidUnused } from '../lxc/guests.js';
import { freeVolume } from '../lxc/volumes.js';
import { addVmToPool, checkPoolExist } from '../cluster/pools.js';
import { normalizeTags } from '../lxc/config-file.js';
import { createDisks, checkDriveParams } from './disks.js';
import { driveKeys, takeVmFlock, vmsOf } from './guests.js';
import { isCdrom, isCloudinitDrive, parseDrive, parseNet, printNet } from './props.js';
import { CREATE_ONLY, encryptPassword, readBack } from './update.js';
import { DURATION_MS, startVm } from './runtime.js';

/** `PVE::Tools::validate_ssh_public_keys` after `uri_unescape` (sshkeys must be URL-encoded). */
export function checkSshKeys(encoded: string): void {
  let keys: string;
  try {
    keys = decodeURIComponent(encoded);
  } catch {
    keys = encoded;
  }
  for (const line of keys.split('\n')) {
    // every non-blank line goes through `ssh-keygen -l` (a comment line fails it too)
    const l = line.trim();
    if (l === '') continue;
    if (
      !/^(?:\S+\s+)?(ssh-(rsa|dss|ed25519)|ecdsa-sha2-nistp\d+|sk-\S+)\s+[A-Za-z0-9+/]+=*(\s.*)?$/.test(
        l,
      )
    )
      die('SSH public key validation error');
  }
}

export function uuid(random: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16));
  hex[12] = '4';
  hex[16] = ((parseInt(hex[16] ?? '0', 16) & 3) | 8).toString(16);
  const s = hex.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}

/** `get_default_bootdevices`: the first disk, the first cdrom, the first NIC. */
export function defaultBootOrder(conf: Record<string, string | number>): string | undefined {
  const res: string[] = [];
  const drives = driveKeys(conf).filter((k) => !/^(efidisk|tpmstate)/.test(k));
  const kind = (k: string): 'disk' | 'cdrom' | 'ci' => {
    const d = parseDrive(k, String(conf[k]));
    return isCloudinitDrive(d) ? 'ci' : isCdrom(d) ? 'cdrom' : 'disk';
  };
  const disk = drives.find((k) => kind(k) === 'disk');
  if (disk) res.push(disk);
  const cd = drives.find((k) => kind(k) === 'cdrom');
  if (cd) res.push(cd);
  const net = Object.keys(conf)
    .filter((k) => /^net\d+$/.test(k))
    .sort((a, b) => Number(a.slice(3)) - Number(b.slice(3)))[0];
  if (net) res.push(net);
  return res.length > 0 ? `order=${res.join(';')}` : undefined;
}

/** The config of a new VM from the create/clone parameters (values as they read back). */
export function buildConfig(
  params: Record<string, unknown>,
  random: () => number,
): Record<string, string | number> {
  const conf: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(params)) {
    let v = readBack(key, value);
    if (key === 'tags') v = normalizeTags(String(v));
    if (key === 'cipassword') v = encryptPassword(String(v), random);
    if (key === 'description' && v === '') continue;
    conf[key] = v;
  }
  return conf;
}

export function createVm(ctx: RequestContext): string {
  const { sim, params } = ctx;
  const node = sim.node(String(params.node));
  const vmid = Number(params.vmid);
  if (params.archive !== undefined) die('restore is not supported by the simulator');
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(params))
    if (k !== 'node' && k !== 'vmid' && !CREATE_ONLY.has(k)) rest[k] = v;
  if (typeof rest.sshkeys === 'string') checkSshKeys(rest.sshkeys);
  const pool = typeof params.pool === 'string' ? params.pool : undefined;
  if (pool !== undefined) checkPoolExist(sim, pool);
  checkDriveParams(node, rest);
  for (const key of Object.keys(rest))
    if (/^net\d+$/.test(key))
      rest[key] = printNet(parseNet(key, String(rest[key]), () => sim.random()));

  try {
    takeVmFlock(sim, vmid);
    checkVmidUnused(sim, vmid);
  } catch (err) {
    die(`unable to create VM ${vmid} - ${(err as Error).message}`);
  }
  const vms = vmsOf(node);
  const fresh = (config: QemuState['config']): QemuState => ({
    vmid,
    config,
    pending: {},
    pendingDelete: [],
    status: 'stopped',
  });
  vms[String(vmid)] = fresh({ lock: 'create' });
  sim.touch();

  let allocated: string[] = [];
  let created = false;
  const template = rest.template === 1;
  return sim.tasks.start({
    node: node.name,
    type: 'qmcreate',
    id: String(vmid),
    caller: ctx.caller,
    durationMs: DURATION_MS.qmcreate,
    begin(log) {
      try {
        allocated = createDisks(node, vmid, rest, sim.clock.now(), log, template);
      } catch (err) {
        throw new Error(
          `unable to create VM ${vmid} - ${(err as Error).message.replace(/\n+$/, '')}`,
        );
      }
    },
    run(log) {
      const conf = buildConfig(rest, () => sim.random());
      if (conf.vmgenid === undefined || conf.vmgenid === '1')
        conf.vmgenid = uuid(() => sim.random());
      if (conf.smbios1 === undefined) conf.smbios1 = `uuid=${uuid(() => sim.random())}`;
      conf.meta = `creation-qemu=9.2.0,ctime=${Math.floor(sim.clock.now() / 1000)}`;
      if (conf.boot === undefined) {
        const boot = defaultBootOrder(conf);
        if (boot) conf.boot = boot;
      }
      const vm = fresh(conf);
      vms[String(vmid)] = vm;
      created = true;
      if (pool !== undefined) addVmToPool(sim, vmid, pool);
      sim.touch();
      if (params.start === 1 && !template) {
        log('Execute autostart');
        try {
          startVm(sim, node, vm, log);
        } catch (err) {
          log(`${(err as Error).message.replace(/\n+$/, '')}`);
          return { warnings: 1 };
        }
      }
      return undefined;
    },
    finally(ok) {
      if (ok || created) return;
      for (const volid of allocated) freeVolume(node, volid);
      delete vms[String(vmid)];
      sim.touch();
    },
  });
}
