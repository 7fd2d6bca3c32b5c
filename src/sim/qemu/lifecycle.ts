/**
 * The guest agent's `network-get-interfaces`, PUT /resize, POST /template, POST /clone and
 * DELETE /qemu/{vmid}, with qemu-server's synchronous checks and worker re-checks.
 */
import { die, paramError, type RequestContext } from '../types.js';
import type { NodeState } from '../state.js';
import type { QemuState } from './state.js';
import { configDigest } from '../lxc/config-file.js';
import { checkVmidUnused } from '../lxc/guests.js';
import {
  freeVolume,
  resizeVolume,
  splitVolid,
  volumeSize,
  volumesOwnedBy,
} from '../lxc/volumes.js';
import { formatSize, parseSize } from '../lxc/property-string.js';
import { addVmToPool, checkPoolExist, removeVmFromPools } from '../cluster/pools.js';
import {
  checkVmLock,
  driveKeys,
  loadVm,
  referencedVmVolumes,
  requestVm,
  takeVmFlock,
  vmsOf,
} from './guests.js';
import { isCdrom, isCloudinitDrive, parseDrive, parseNet, printDrive, printNet } from './props.js';
import {
  agentInterfaces,
  agentRunning,
  DURATION_MS,
  regenerateCloudinit,
  stopVm,
} from './runtime.js';
import { allocCloudinit, allocVmDisk, checkImagesStorage, renameToBase } from './volumes.js';
import { uuid } from './create.js';

/** GET /agent/network-get-interfaces: `assert_agent_available`, then the agent's answer. */
export function agentNetworkInterfaces(ctx: RequestContext): { result: unknown } {
  const { node, vm, vmid } = requestVm(ctx);
  if (vm.config.agent === undefined) die('No QEMU guest agent configured');
  if (vm.status !== 'running') die(`VM ${vmid} is not running`);
  if (!agentRunning(vm, ctx.sim.clock.now())) die('QEMU guest agent is not running');
  const before = JSON.stringify(vm.leases ?? null);
  const result = agentInterfaces(node, vm);
  if (JSON.stringify(vm.leases ?? null) !== before) ctx.sim.touch();
  return { result };
}

/** PUT /resize: everything is checked inside the `resize` worker, as in qemu-server. */
export function resizeVm(ctx: RequestContext): string {
  const { sim, params } = ctx;
  const { node, vmid } = requestVm(ctx);
  const skiplock = params.skiplock === 1;
  if (skiplock && (ctx.caller.user !== 'root@pam' || ctx.caller.tokenId !== undefined))
    paramError({ skiplock: 'Only root may use this option.' });
  return sim.tasks.start({
    node: node.name,
    type: 'resize',
    id: String(vmid),
    caller: ctx.caller,
    durationMs: DURATION_MS.resize,
    run(log) {
      takeVmFlock(sim, vmid);
      const vm = loadVm(node, vmid);
      const digest = params.digest;
      if (typeof digest === 'string' && digest !== '' && digest !== configDigest(vm))
        die('checksum mismatch (file change by other user?)');
      if (!skiplock) checkVmLock(vm);
      const disk = String(params.disk);
      if (!vm.config[disk]) die(`disk '${disk}' does not exist`);
      const drive = parseDrive(disk, String(vm.config[disk]));
      if (isCdrom(drive)) die("you can't resize a cdrom");
      const size = volumeSize(node, drive.file) ?? parseSize(drive.props.size ?? '');
      if (size === undefined) die(`Could not determine current size of volume '${drive.file}'`);
      const m = /^(\+)?(\d+(?:\.\d+)?)([KMGT])?$/.exec(String(params.size));
      if (!m?.[2]) die('internal error');
      const mult = { K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 }[m[3] ?? ''] ?? 1;
      const newSize = Math.trunc(Number(m[2]) * mult + (m[1] ? size : 0));
      if (newSize < size) die('shrinking disks is not supported');
      if (newSize === size) return;
      if (volumeSize(node, drive.file) !== undefined) resizeVolume(node, drive.file, newSize);
      vm.config[disk] = printDrive({
        file: drive.file,
        props: { ...drive.props, size: formatSize(newSize) },
      });
      log(`  Size of logical volume changed to ${(newSize / 1024 ** 3).toFixed(2)} GiB.`);
      sim.touch();
    },
  });
}

function templateChecks(vm: QemuState): void {
  checkVmLock(vm);
  if (vm.snapshots && Object.keys(vm.snapshots).length > 0)
    die('unable to create template, because VM contains snapshots');
  if (vm.config.template) die("you can't convert a template to a template");
  if (vm.status === 'running') die("you can't convert a VM to template if VM is running");
}

/** `template_create`: the disks become base volumes (not the cloud-init drive). */
function makeTemplate(node: NodeState, vm: QemuState): void {
  for (const key of driveKeys(vm.config)) {
    const d = parseDrive(key, String(vm.config[key]));
    if (isCdrom(d) || isCloudinitDrive(d)) continue;
    vm.config[key] = printDrive({ ...d, file: renameToBase(node, d.file) });
  }
  vm.config.template = 1;
}

export function templateVm(ctx: RequestContext): string {
  const { sim } = ctx;
  const { node, vm, vmid } = requestVm(ctx);
  templateChecks(vm);
  return sim.tasks.start({
    node: node.name,
    type: 'qmtemplate',
    id: String(vmid),
    caller: ctx.caller,
    durationMs: DURATION_MS.qmtemplate,
    run() {
      takeVmFlock(sim, vmid);
      const cur = loadVm(node, vmid);
      templateChecks(cur);
      makeTemplate(node, cur);
      sim.touch();
    },
  });
}

/** A linked clone of a base volume: `base-100-disk-0/vm-101-disk-0` (LVM-thin naming). */
function linkedClone(node: NodeState, base: string, newid: number, now: number): string {
  const v = splitVolid(base);
  const s = v ? node.storages[v.storage] : undefined;
  const vol = s?.volumes[base];
  if (!v || !s || !vol) die(`volume '${base}' does not exist`);
  const baseName = v.name.replace(/^\d+\//, '').replace(/\.(qcow2|raw)$/, '');
  let n = 0;
  const name = (k: number): string =>
    s.plugintype === 'dir'
      ? `${v.name}/${newid}/vm-${newid}-disk-${k}.qcow2`
      : `${baseName}/vm-${newid}-disk-${k}`;
  while (
    Object.values(s.volumes).some(
      (x) =>
        x.volid.endsWith(`vm-${newid}-disk-${n}`) ||
        x.volid.endsWith(`vm-${newid}-disk-${n}.qcow2`),
    )
  )
    n++;
  const volid = `${s.id}:${name(n)}`;
  s.volumes[volid] = { ...vol, volid, ctime: Math.floor(now / 1000), vmid: newid, size: vol.size };
  return volid;
}

export function cloneVm(ctx: RequestContext): string {
  const { sim, params } = ctx;
  const { node, vm, vmid } = requestVm(ctx);
  const newid = Number(params.newid);
  const isTemplate = Boolean(vm.config.template);
  const full = params.full === undefined ? !isTemplate : params.full === 1;
  const storage = typeof params.storage === 'string' ? params.storage : undefined;
  const target = typeof params.target === 'string' ? params.target : undefined;
  const snapname = typeof params.snapname === 'string' ? params.snapname : undefined;
  // $load_and_check, in qemu-server's order
  const pool = typeof params.pool === 'string' ? params.pool : undefined;
  if (pool !== undefined) checkPoolExist(sim, pool);
  if (target !== undefined && target !== node.name && target !== 'localhost') sim.node(target);
  if (storage !== undefined) checkImagesStorage(node, storage);
  checkVmLock(vm);
  if (snapname !== undefined) die(`snapshot '${snapname}' does not exist`);
  if (!full && storage !== undefined) die("parameter 'storage' not allowed for linked clones");
  if (!full && params.format !== undefined) die("parameter 'format' not allowed for linked clones");
  if (target !== undefined && target !== node.name && target !== 'localhost')
    die(`can't clone VM to node '${target}' (VM uses local storage)`);
  if (vmsOf(node)[String(newid)]) die(`unable to create VM ${newid}: config file already exists`);
  // pmxcfs keeps VMIDs unique across nodes and guest types: the temporary config cannot be written
  checkVmidUnused(sim, newid);
  for (const key of driveKeys(vm.config)) {
    const d = parseDrive(key, String(vm.config[key]));
    if (isCdrom(d) && !isCloudinitDrive(d)) continue;
    if (!full && !isCloudinitDrive(d) && !/(^|[:/])base-\d+-disk-\d+/.test(d.file))
      die(`Linked clone feature is not supported for '${d.file}' (${key})`);
  }
  const vms = vmsOf(node);
  vms[String(newid)] = {
    vmid: newid,
    config: { lock: 'clone' },
    pending: {},
    pendingDelete: [],
    status: 'stopped',
  };
  sim.touch();
  const created: string[] = [];
  let done = false;
  return sim.tasks.start({
    node: node.name,
    type: 'qmclone',
    id: String(vmid),
    caller: ctx.caller,
    durationMs: DURATION_MS.qmclone,
    run(log) {
      const src = loadVm(node, vmid);
      const conf: Record<string, string | number> = {};
      const now = sim.clock.now();
      for (const [key, value] of Object.entries(src.config)) {
        if (['lock', 'template', 'meta', 'vmgenid', 'smbios1'].includes(key)) continue;
        if (/^unused\d+$/.test(key)) continue;
        if (/^net\d+$/.test(key)) {
          const net = parseNet(key, String(value), () => sim.random());
          // always change MAC! address
          net.macaddr = parseNet(key, net.model, () => sim.random()).macaddr;
          conf[key] = printNet(net);
          continue;
        }
        conf[key] = value;
      }
      for (const key of driveKeys(src.config)) {
        const d = parseDrive(key, String(src.config[key]));
        if (isCdrom(d) && !isCloudinitDrive(d)) continue;
        const sid = storage ?? splitVolid(d.file)?.storage ?? '';
        let volid: string;
        if (isCloudinitDrive(d)) {
          volid = allocCloudinit(node, sid, newid, now);
        } else if (full) {
          log(`create full clone of drive ${key} (${d.file})`);
          volid = allocVmDisk(node, sid, newid, volumeSize(node, d.file) ?? 0, now);
        } else {
          log(`create linked clone of drive ${key} (${d.file})`);
          volid = linkedClone(node, d.file, newid, now);
        }
        created.push(volid);
        conf[key] = printDrive({ ...d, file: volid });
      }
      conf.name =
        typeof params.name === 'string'
          ? params.name
          : `Copy-of-VM-${String(src.config.name ?? vmid)}`;
      if (typeof params.description === 'string' && params.description !== '')
        conf.description = params.description;
      conf.smbios1 = `uuid=${uuid(() => sim.random())}`;
      conf.vmgenid = uuid(() => sim.random());
      conf.meta = `creation-qemu=9.2.0,ctime=${Math.floor(now / 1000)}`;
      const clone: QemuState = {
        vmid: newid,
        config: conf,
        pending: {},
        pendingDelete: [],
        status: 'stopped',
      };
      regenerateCloudinit(clone);
      vms[String(newid)] = clone;
      if (pool !== undefined) addVmToPool(sim, newid, pool);
      done = true;
      sim.touch();
    },
    finally(ok) {
      if (ok || done) return;
      for (const volid of created) freeVolume(node, volid);
      delete vms[String(newid)];
      sim.touch();
    },
  });
}

function destroyChecks(vm: QemuState): void {
  if (vm.config.protection) die(`can't remove VM ${vm.vmid} - protection mode enabled`);
  if (vm.status === 'running') die(`VM ${vm.vmid} is running - destroy failed`);
}

/** Whether another VM's disk is a linked clone of `base`. */
function baseInUse(node: NodeState, base: string): boolean {
  const name = splitVolid(base)?.name.replace(/\.(qcow2|raw)$/, '') ?? '';
  return Object.values(node.storages).some((s) =>
    Object.keys(s.volumes).some((v) => v !== base && v.includes(`${name}/`)),
  );
}

export function destroyVm(ctx: RequestContext): string {
  const { sim, params } = ctx;
  const { node, vm, vmid } = requestVm(ctx);
  const skiplock = params.skiplock === 1;
  if (skiplock && (ctx.caller.user !== 'root@pam' || ctx.caller.tokenId !== undefined))
    paramError({ skiplock: 'Only root may use this option.' });
  destroyChecks(vm);
  return sim.tasks.start({
    node: node.name,
    type: 'qmdestroy',
    id: String(vmid),
    caller: ctx.caller,
    durationMs: DURATION_MS.qmdestroy,
    run(log) {
      takeVmFlock(sim, vmid);
      const cur = loadVm(node, vmid);
      destroyChecks(cur);
      if (!skiplock) checkVmLock(cur);
      const volumes = new Set(referencedVmVolumes(cur));
      if (params['destroy-unreferenced-disks'] === 1)
        for (const v of volumesOwnedBy(node, vmid)) volumes.add(v);
      for (const volid of volumes) {
        if (!new RegExp(`(vm|base)-${vmid}-(disk-\\d+|cloudinit)`).test(volid)) continue;
        if (/base-/.test(volid) && baseInUse(node, volid)) {
          log(`base volume '${volid}' is still in use by linked cloned`);
          continue;
        }
        freeVolume(node, volid);
        log(`  Logical volume "${volid.replace(/^.*[:/]/, '')}" successfully removed.`);
      }
      stopVm(cur);
      removeVmFromPools(sim, vmid);
      delete node.guestFirewall[String(vmid)];
      if (params.purge === 1) log(`purging VM ${vmid} from related configurations..`);
      delete vmsOf(node)[String(vmid)];
      sim.touch();
    },
  });
}
