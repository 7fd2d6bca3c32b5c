/**
 * POST /nodes/{node}/lxc (`create_vm`). Synchronous checks in Proxmox's order (VMID unused in the
 * whole cluster, template, storages), then the config is created holding `lock: create` BEFORE
 * the `vzcreate` worker runs; the worker allocates the disks, detects the OS and writes the final
 * config (which drops the lock). On failure the config and the new volumes are destroyed.
 */
import { die, paramError, type RequestContext } from '../types.js';
import type { NodeState } from '../state.js';
import type { LxcState } from './state.js';
import { checkVmidUnused, takeConfigFlock, volumeOps } from './guests.js';
import { getStorage, splitVolid, freeVolume } from './volumes.js';
import { newDiskRequest, parseMountPoint, printMountPoint } from './ct-formats.js';
import { updateConfig } from './config-update.js';
import { DURATION_MS, startCt } from './lifecycle.js';
import { CREATE_ONLY } from './params.js';
import { addVmToPool, checkPoolExist } from '../cluster/pools.js';

const OSTYPES = [
  'debian',
  'devuan',
  'ubuntu',
  'centos',
  'fedora',
  'opensuse',
  'archlinux',
  'alpine',
  'gentoo',
  'nixos',
];

/** What `PVE::LXC::Setup->new` would detect from a template such as `debian-12-standard_...`. */
export function detectFromTemplate(volid: string): { ostype: string; arch: string } {
  const file = volid.replace(/^.*\//, '').toLowerCase();
  const first = file.split(/[-_]/)[0] ?? '';
  const ostype = OSTYPES.includes(first)
    ? first
    : ['rockylinux', 'almalinux', 'centos'].includes(first)
      ? 'centos'
      : 'unmanaged';
  const arch = /_arm64\b/.test(file) ? 'arm64' : /_(i386|i686)\b/.test(file) ? 'i386' : 'amd64';
  return { ostype, arch };
}

/** systemd versions of the usual templates (older systemd than 242 gives no warning). */
const SYSTEMD: [RegExp, number][] = [
  [/^debian-10/, 241],
  [/^debian-11/, 247],
  [/^debian-12/, 252],
  [/^debian-13/, 257],
  [/^ubuntu-20\.04/, 245],
  [/^ubuntu-22\.04/, 249],
  [/^ubuntu-24\.04/, 255],
  [/^ubuntu-25/, 257],
];
const SYSTEMD_OSTYPES = ['debian', 'ubuntu', 'centos', 'fedora', 'opensuse', 'archlinux'];

/**
 * `check_systemd_nesting` in the create worker: a systemd newer than 241 without `nesting=1` logs a
 * warning, so the task ends `WARNINGS: 1` (FACTS §5: the common benign result).
 */
export function systemdNestingWarning(ostemplate: string, features: string): string | undefined {
  if (/(^|,)nesting=(1|on|yes|true)(,|$)/i.test(features)) return undefined;
  const file = ostemplate.replace(/^.*\//, '').toLowerCase();
  if (!SYSTEMD_OSTYPES.includes(detectFromTemplate(ostemplate).ostype)) return undefined;
  const version = SYSTEMD.find(([re]) => re.test(file))?.[1] ?? 252;
  return version <= 241
    ? undefined
    : `Systemd ${version} detected. You may need to enable nesting.`;
}

function checkStorageForCt(node: NodeState, sid: string): void {
  const s = getStorage(node, sid);
  if (!s.content.includes('rootdir'))
    paramError({ storage: `storage '${sid}' does not support container directories` });
}

export function createCt(ctx: RequestContext): string {
  const { sim, params } = ctx;
  const node = sim.node(String(params.node));
  const vmid = Number(params.vmid);
  if (params.restore === 1) die('restore is not supported by the simulator');
  const unprivileged = params.unprivileged === undefined ? 1 : Number(params.unprivileged);
  const start = params.start === 1;

  checkVmidUnused(sim, vmid);
  const pool = typeof params.pool === 'string' ? params.pool : undefined;
  if (pool !== undefined) checkPoolExist(sim, pool);

  const ostemplate = String(params.ostemplate);
  const storage = typeof params.storage === 'string' ? params.storage : 'local';
  const tpl = splitVolid(ostemplate);
  if (!tpl) die(`unable to parse volume ID '${ostemplate}'`);
  const tplStorage = getStorage(node, tpl.storage);
  if (!tplStorage.volumes[ostemplate]) die(`volume '${ostemplate}' does not exist`);

  // Everything that is not a create-only parameter, a disk or `unprivileged` is a config key.
  const diskParams: Record<string, string> = {};
  const configParams: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(params)) {
    if (key === 'node' || key === 'vmid' || key === 'unprivileged' || CREATE_ONLY[key]) continue;
    if (key === 'rootfs' || /^mp\d+$/.test(key)) {
      const v = String(value);
      // "allow to use simple numbers (add default storage in that case)"
      diskParams[key] = /^\d+(\.\d+)?$/.test(v) ? `${storage}:${v}` : v;
    } else if (/^unused\d+$/.test(key)) {
      continue;
    } else {
      configParams[key] = value;
    }
  }
  if (Object.keys(diskParams).length > 0 && diskParams.rootfs === undefined)
    die("mount points configured, but 'rootfs' not set - aborting");
  for (const [key, text] of Object.entries(diskParams)) {
    const mp = parseMountPoint(key, text);
    if (mp.type !== 'volume') continue;
    const v = splitVolid(mp.volume);
    if (!v) die(`unable to parse volume ID '${mp.volume}'`);
    checkStorageForCt(node, v.storage);
  }
  if (diskParams.rootfs === undefined) checkStorageForCt(node, storage);

  const ops = volumeOps(sim, node, vmid);
  const base: LxcState = { vmid, config: {}, pending: {}, pendingDelete: [], status: 'stopped' };
  const { ct: prepared } = updateConfig(
    base,
    false,
    { set: configParams, delete: [], revert: [] },
    ops,
  );
  if (unprivileged) prepared.config.unprivileged = 1;

  try {
    takeConfigFlock(sim, vmid);
  } catch (err) {
    die(`unable to create CT ${vmid} - ${(err as Error).message}`);
  }
  node.lxc[String(vmid)] = {
    vmid,
    config: { lock: 'create' },
    pending: {},
    pendingDelete: [],
    status: 'stopped',
  };
  sim.touch();

  const allocated: string[] = [];
  // Once the config is written, a failing start-after-create no longer destroys the container.
  let created = false;
  const conf = prepared.config;
  const fail = (err: unknown): never => {
    throw new Error(`unable to create CT ${vmid} - ${(err as Error).message.replace(/\n+$/, '')}`);
  };
  return sim.tasks.start({
    node: node.name,
    type: 'vzcreate',
    id: String(vmid),
    caller: ctx.caller,
    durationMs: DURATION_MS.vzcreate,
    // The worker allocates the volumes and starts extracting at once; a running task shows that.
    begin(log) {
      try {
        const disks = { ...diskParams };
        if (disks.rootfs === undefined) disks.rootfs = `${storage}:4`;
        for (const [key, text] of Object.entries(disks)) {
          const mp = parseMountPoint(key, text);
          const req = mp.type === 'volume' ? newDiskRequest(mp.volume) : undefined;
          if (req) {
            const size = Math.trunc(req.sizeGb * 1024) * 1024 * 1024;
            const volid = ops.alloc(req.storage, size);
            allocated.push(volid);
            conf[key] = printMountPoint(key, { ...mp.values, volume: volid, size });
            log(`  Logical volume "${volid.replace(/^.*:/, '')}" created.`);
          } else {
            conf[key] = printMountPoint(key, mp.values);
          }
        }
        log(`extracting archive '/var/lib/vz/template/cache/${tpl.name.replace(/^vztmpl\//, '')}'`);
      } catch (err) {
        fail(err);
      }
    },
    run(log) {
      let ct: LxcState;
      let warnings = 0;
      try {
        log('Total bytes read: 524288000 (500MiB, 120MiB/s)');
        const detected = detectFromTemplate(ostemplate);
        conf.arch ??= detected.arch;
        log(`Detected container architecture: ${String(conf.arch)}`);
        conf.ostype ??= detected.ostype;
        log("Creating SSH host key 'ssh_host_ed25519_key' - this may take some time ...");
        const nestingWarning = systemdNestingWarning(ostemplate, String(conf.features ?? ''));
        if (nestingWarning) log(`WARN: ${nestingWarning}`);
        // set some defaults (create_vm)
        if (!conf.hostname) conf.hostname = `CT${vmid}`;
        if (!conf.memory) conf.memory = 512;
        conf.swap ??= 512;
        ct = { ...prepared, config: conf };
        node.lxc[String(vmid)] = ct;
        created = true;
        if (pool !== undefined) addVmToPool(sim, vmid, pool);
        sim.touch();
        warnings = nestingWarning ? 1 : 0;
      } catch (err) {
        return fail(err);
      }
      if (start) warnings += startCt(sim, node, ct, log);
      return warnings > 0 ? { warnings } : undefined;
    },
    finally(ok) {
      if (ok || created) return;
      for (const volid of allocated) freeVolume(node, volid);
      delete node.lxc[String(vmid)];
      delete node.guestFirewall[String(vmid)];
      sim.touch();
    },
  });
}
