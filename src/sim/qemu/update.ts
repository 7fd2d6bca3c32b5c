/**
 * `update_vm_api` + `vmconfig_hotplug_pending` (running VM) / `vmconfig_apply_pending` (stopped):
 * every change goes to `[pve:pending]` first, then what can be applied is. What hot-plugs follows
 * the VM's `hotplug` option (default `network,disk,usb`): NICs and scsi/virtio disks with
 * `network`/`disk`, memory with `memory`, vcpus with `cpu`; cores, sockets, machine, bios, ide/sata
 * drives and enabling the agent wait for the next stop/start. Works on a copy, so a `die` half-way
 * leaves the stored VM untouched.
 */
import { createHash } from 'node:crypto';
import { die } from '../types.js';
import type { NodeState } from '../state.js';
import type { QemuState } from './state.js';
import { cleanupPending, descriptionReadBack, normalizeTags } from '../lxc/config-file.js';
import { addUnusedVolume } from '../lxc/config-update.js';
import { freeVolume, splitVolid } from '../lxc/volumes.js';
import {
  isCdrom,
  isCloudinitDrive,
  isDriveKey,
  parseDrive,
  parseNet,
  printDrive,
  printNet,
  splitProps,
  type Drive,
} from './props.js';
import { api } from './schema.js';

/** qemu-server `$fast_plug_option` plus the cloud-init options: applied to a running VM at once. */
export const FASTPLUG = new Set([
  'description',
  'hookscript',
  'lock',
  'migrate_downtime',
  'migrate_speed',
  'name',
  'onboot',
  'protection',
  'shares',
  'startup',
  'tags',
  'vmstatestorage',
  'cicustom',
  'cipassword',
  'citype',
  'ciuser',
  'ciupgrade',
  'nameserver',
  'searchdomain',
  'sshkeys',
]);

/** Options whose change is recorded against the generated cloud-init drive (GET /cloudinit). */
export function isCloudinitOption(key: string): boolean {
  return (
    /^ipconfig\d+$/.test(key) ||
    [
      'cicustom',
      'cipassword',
      'citype',
      'ciuser',
      'ciupgrade',
      'nameserver',
      'searchdomain',
      'sshkeys',
    ].includes(key)
  );
}

const CREATE = api('POST /nodes/{node}/qemu');

/** `option_exists`: a VM config option (indexed families up to their maximum). */
export function isVmOption(key: string): boolean {
  if (key === 'node' || key === 'vmid') return false;
  if (CREATE.params[key] && !CREATE_ONLY.has(key)) return true;
  const m = /^([a-z]+)(\d+)$/.exec(key);
  if (!m?.[1] || m[2] === undefined) return false;
  const fam = CREATE.indexed[m[1]];
  if (!fam || (m[2].length > 1 && m[2].startsWith('0'))) return false;
  return Number(m[2]) <= fam.max;
}

/** Parameters of POST /qemu that are not config options. */
export const CREATE_ONLY = new Set([
  'archive',
  'bwlimit',
  'force',
  'ha-managed',
  'import-working-storage',
  'live-restore',
  'pool',
  'start',
  'storage',
  'unique',
]);

function keyType(key: string): string | undefined {
  const direct = CREATE.params[key];
  if (direct) return direct.type;
  const m = /^([a-z]+)\d+$/.exec(key);
  return m?.[1] ? CREATE.indexed[m[1]]?.def.type : undefined;
}

/** `$param->{cipassword} = encrypt_pw(...)` unless it is already a crypt hash. */
export function encryptPassword(pw: string, random: () => number): string {
  if (/^\$(?:[156]|2[ay])(\$.+){2}/.test(pw)) return pw;
  const chars = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789./';
  let salt = '';
  for (let i = 0; i < 8; i++) salt += chars[Math.floor(random() * 64)];
  const hash = createHash('sha256')
    .update(salt + pw)
    .digest('base64')
    .replace(/[+=]/g, '.');
  return `$5$${salt}$${hash.slice(0, 43)}`;
}

/** A parameter value as it reads back from the config file. */
export function readBack(key: string, value: unknown): string | number {
  if (key === 'description') return descriptionReadBack(String(value));
  const t = keyType(key);
  if (t === 'integer' || t === 'boolean') return Number(value);
  if (t === 'number') return Number(value);
  return String(value);
}

/** The hotplug feature set (`hotplug` option: `1` = default set, `0` = none). */
export function hotplugFeatures(conf: Record<string, string | number>): Set<string> {
  const v = conf.hotplug === undefined ? 'network,disk,usb' : String(conf.hotplug);
  if (v === '1') return new Set(['network', 'disk', 'usb']);
  if (v === '0') return new Set();
  return new Set(v.split(',').filter((x) => x !== ''));
}

export interface VmOps {
  random: () => number;
  free: (volid: string) => void;
  bridgeUp: (bridge: string) => boolean;
}

export function vmOps(
  node: NodeState,
  random: () => number,
  bridgeUp: (b: string) => boolean,
): VmOps {
  return { random, free: (volid) => freeVolume(node, volid), bridgeUp };
}

/** `vmconfig_register_unused_drive`: a cloud-init volume is freed, a disk becomes `unusedN`. */
function registerUnused(vm: QemuState, d: Drive, ops: VmOps): void {
  if (isCloudinitDrive(d)) ops.free(d.file);
  else if (!isCdrom(d) && splitVolid(d.file) && d.file !== 'none') addUnusedVolume(vm, d.file);
}

function removePendingDelete(vm: QemuState, key: string): void {
  vm.pendingDelete = vm.pendingDelete.filter((k) => k !== key);
}

const SKIP = new Error('skip');

/** `vmconfig_update_net`: bridge/tag/firewall/rate/link_down changes are live, the rest needs hotplug. */
function updateNet(vm: QemuState, key: string, value: string, hot: boolean, ops: VmOps): void {
  const net = parseNet(key, value, ops.random);
  if (net.props.bridge !== undefined && !ops.bridgeUp(net.props.bridge))
    throw new Error(`bridge '${net.props.bridge}' does not exist`);
  const old = vm.config[key];
  if (old !== undefined) {
    const o = parseNet(key, String(old), ops.random);
    const same = (k: string): boolean => o.props[k] === net.props[k];
    if (o.model === net.model && o.macaddr === net.macaddr && same('queues') && same('mtu')) return;
  }
  if (!hot) throw SKIP;
}

function updateDisk(vm: QemuState, key: string, value: string, hot: boolean, ops: VmOps): void {
  const d = parseDrive(key, value);
  const oldText = vm.config[key];
  if (oldText !== undefined) {
    const old = parseDrive(key, String(oldText));
    if (isCdrom(d) && isCdrom(old)) return; // change_medium
    if (old.file === d.file) {
      // Only options changed: size/backup/replicate are bookkeeping, the rest needs a restart.
      const a = { ...old.props, size: '', backup: '', replicate: '' };
      const b = { ...d.props, size: '', backup: '', replicate: '' };
      if (JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort()))
        return;
      throw SKIP;
    }
    if (!hot || /^(ide|sata)\d+$/.test(key)) throw SKIP;
    registerUnused(vm, old, ops);
    return;
  }
  if (!hot || /^(ide|sata)\d+$/.test(key)) throw SKIP;
}

function agentEnabled(text: string | number | undefined): string {
  if (text === undefined) return '';
  const { bare, props } = splitProps(String(text));
  const rest = { ...props };
  delete rest.fstrim_cloned_disks;
  delete rest.enabled;
  return JSON.stringify([bare ?? props.enabled ?? '0', Object.entries(rest).sort()]);
}

/** `vmconfig_hotplug_pending`: what a running VM takes now. Mutates `vm`. */
export function hotplugPending(
  vm: QemuState,
  selection: Set<string> | undefined,
  ops: VmOps,
  errors: Record<string, string>,
): void {
  const features = hotplugFeatures(vm.config);
  const inSel = (k: string): boolean => !selection || selection.has(k);
  const addError = (key: string, err: unknown): void => {
    errors[key] = `hotplug problem - ${(err as Error).message.replace(/\n*$/, '\n')}`;
  };
  for (const key of [...vm.pendingDelete].sort()) {
    if (!inSel(key)) continue;
    try {
      if (key === 'hotplug') {
        if (/(cpu|memory)/.test(String(vm.config.hotplug ?? ''))) throw SKIP;
      } else if (key === 'vcpus') {
        if (!features.has('cpu')) throw SKIP;
      } else if (FASTPLUG.has(key) || /^ipconfig\d+$/.test(key)) {
        // applied at once
      } else if (/^net\d+$/.test(key)) {
        if (!features.has('network')) throw SKIP;
      } else if (isDriveKey(key)) {
        if (!features.has('disk') || /^(efidisk|ide|sata|tpmstate)\d+$/.test(key)) throw SKIP;
        registerUnused(vm, parseDrive(key, String(vm.config[key])), ops);
      } else if (key === 'memory') {
        if (!features.has('memory')) throw SKIP;
      } else if (key !== 'cpuunits' && key !== 'cpulimit') {
        throw SKIP;
      }
      delete vm.config[key];
      removePendingDelete(vm, key);
    } catch (err) {
      if (err !== SKIP) addError(key, err);
    }
  }
  for (const key of Object.keys(vm.pending).sort()) {
    if (!inSel(key)) continue;
    const value = String(vm.pending[key]);
    try {
      if (key === 'hotplug') {
        if (/memory|cpu/.test(value) || /memory|cpu/.test(String(vm.config.hotplug ?? '')))
          throw SKIP;
      } else if (key === 'vcpus') {
        if (!features.has('cpu')) throw SKIP;
      } else if (key === 'balloon') {
        const was = vm.config.balloon === undefined || Number(vm.config.balloon) !== 0;
        if (was !== (Number(value) !== 0)) throw SKIP;
      } else if (FASTPLUG.has(key) || /^ipconfig\d+$/.test(key)) {
        // applied at once
      } else if (/^net\d+$/.test(key)) {
        updateNet(vm, key, value, features.has('network'), ops);
      } else if (isDriveKey(key)) {
        if (key === 'efidisk0' || key === 'tpmstate0') throw SKIP;
        if (isCloudinitDrive(parseDrive(key, value))) throw SKIP;
        updateDisk(vm, key, value, features.has('disk'), ops);
      } else if (key === 'memory') {
        if (!features.has('memory')) throw SKIP;
      } else if (key === 'agent') {
        if (!vm.config.agent || agentEnabled(vm.config.agent) !== agentEnabled(value)) throw SKIP;
      } else if (key !== 'cpuunits' && key !== 'cpulimit') {
        throw SKIP;
      }
      vm.config[key] = vm.pending[key] as string | number;
      delete vm.pending[key];
    } catch (err) {
      if (err !== SKIP) addError(key, err);
    }
  }
}

/** `vmconfig_apply_pending`: a stopped (or starting) VM takes everything. Mutates `vm`. */
export function applyPending(
  vm: QemuState,
  selection: Set<string> | undefined,
  ops: VmOps,
  errors: Record<string, string>,
): void {
  const inSel = (k: string): boolean => !selection || selection.has(k);
  for (const key of [...vm.pendingDelete].sort()) {
    if (!inSel(key)) continue;
    try {
      const cur = vm.config[key];
      if (cur !== undefined && isDriveKey(key))
        registerUnused(vm, parseDrive(key, String(cur)), ops);
      delete vm.config[key];
      removePendingDelete(vm, key);
    } catch (err) {
      errors[key] = `unable to apply pending change ${key} : ${(err as Error).message}`;
    }
  }
  cleanupPending(vm);
  for (const key of Object.keys(vm.pending).sort()) {
    if (!inSel(key)) continue;
    try {
      const cur = vm.config[key];
      if (cur !== undefined && isDriveKey(key)) {
        const old = parseDrive(key, String(cur));
        const next = parseDrive(key, String(vm.pending[key]));
        if (old.file !== next.file) registerUnused(vm, old, ops);
      }
      vm.config[key] = vm.pending[key] as string | number;
      delete vm.pending[key];
    } catch (err) {
      errors[key] = `unable to apply pending change ${key} : ${(err as Error).message}`;
    }
  }
}

export interface UpdateRequest {
  set: Record<string, unknown>;
  delete: readonly string[];
  revert: readonly string[];
}

/**
 * The config part of `update_vm_api` on a copy of `orig`; new disks must already be allocated
 * (their volids in `req.set`). Returns the new VM and the per-option hotplug/apply errors.
 */
export function updateVm(
  orig: QemuState,
  req: UpdateRequest,
  ops: VmOps,
): { vm: QemuState; errors: Record<string, string> } {
  const vm = structuredClone(orig);
  const running = vm.status === 'running';
  for (const key of req.revert) {
    delete vm.pending[key];
    removePendingDelete(vm, key);
  }
  const modified = new Set<string>();
  for (const key of req.delete) {
    const val = vm.config[key] ?? vm.pending[key];
    // Perl only warns: "cannot delete 'x' - not set in current configuration!"
    if (val === undefined) continue;
    modified.add(key);
    const isPendingVal = vm.pending[key] !== undefined;
    delete vm.pending[key];
    if (/^unused\d+$/.test(key)) {
      if (vm.config.protection)
        die(`can't remove unused disk '${String(val)}' - protection mode enabled`);
      ops.free(String(val));
      delete vm.config[key];
      continue;
    }
    if (isDriveKey(key)) {
      if (vm.config.protection) die(`can't remove drive '${key}' - protection mode enabled`);
      if (isPendingVal) registerUnused(vm, parseDrive(key, String(val)), ops);
    }
    if (vm.config[key] !== undefined && !vm.pendingDelete.includes(key)) vm.pendingDelete.push(key);
  }
  for (const key of Object.keys(req.set).sort()) {
    modified.add(key);
    let value = readBack(key, req.set[key]);
    if (key === 'tags') value = normalizeTags(String(value));
    else if (key === 'cipassword') value = encryptPassword(String(value), ops.random);
    else if (/^net\d+$/.test(key)) value = printNet(parseNet(key, String(value), ops.random));
    else if (isDriveKey(key)) value = printDrive(parseDrive(key, String(value)));
    if (isDriveKey(key) && vm.pending[key] !== undefined) {
      // a pending disk that is replaced again becomes unused at once
      const prev = parseDrive(key, String(vm.pending[key]));
      if (prev.file !== parseDrive(key, String(value)).file) registerUnused(vm, prev, ops);
    }
    vm.pending[key] = value;
    removePendingDelete(vm, key);
  }
  cleanupPending(vm);
  const errors: Record<string, string> = {};
  if (running) hotplugPending(vm, modified, ops, errors);
  else applyPending(vm, modified, ops, errors);
  vm.pendingDelete.sort();
  if (vm.config.description === '') delete vm.config.description;
  if (vm.pending.description === '') delete vm.pending.description;
  return { vm, errors };
}
