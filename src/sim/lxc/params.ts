/**
 * Parameter declarations of the LXC endpoints, exactly as the official schema lists them
 * (pve-api-schema 9.1.3); the conformance test compares them. Config keys are shared by create
 * (POST /lxc) and update (PUT /lxc/{vmid}/config).
 */
import type { ParamDef } from '../types.js';
import { FORMAT_IDS } from './ct-formats.js';

export { nodeParam as NODE, vmidParam as VMID } from '../params.js';

/** Config keys accepted by both create and update (without node/vmid and the indexed families). */
export const CONFIG_KEYS: Record<string, ParamDef> = {
  arch: {
    type: 'string',
    optional: true,
    enum: ['amd64', 'i386', 'arm64', 'armhf', 'riscv32', 'riscv64'],
    default: 'amd64',
  },
  cmode: { type: 'string', optional: true, enum: ['shell', 'console', 'tty'], default: 'tty' },
  console: { type: 'boolean', optional: true, default: 1 },
  cores: { type: 'integer', optional: true, minimum: 1, maximum: 8192 },
  cpulimit: { type: 'number', optional: true, minimum: 0, maximum: 8192, default: 0 },
  cpuunits: {
    type: 'integer',
    optional: true,
    minimum: 0,
    maximum: 500000,
    default: 'cgroup v1: 1024, cgroup v2: 100',
  },
  debug: { type: 'boolean', optional: true, default: 0 },
  description: { type: 'string', optional: true, maxLength: 8192 },
  entrypoint: {
    type: 'string',
    optional: true,
    pattern: '(?:[^\\x00-\\x08\\x10-\\x1F\\x7F]+)',
    default: '/sbin/init',
  },
  env: {
    type: 'string',
    optional: true,
    pattern:
      '(?:(?:\\w+=[^\\x00-\\x08\\x10-\\x1F\\x7F]*)(?:\\0\\w+=[^\\x00-\\x08\\x10-\\x1F\\x7F]*)*)',
  },
  features: { type: 'string', optional: true, format: FORMAT_IDS.features },
  hookscript: { type: 'string', optional: true, format: 'pve-volume-id' },
  hostname: { type: 'string', optional: true, format: 'dns-name', maxLength: 255 },
  lock: {
    type: 'string',
    optional: true,
    enum: [
      'backup',
      'create',
      'destroyed',
      'disk',
      'fstrim',
      'migrate',
      'mounted',
      'rollback',
      'snapshot',
      'snapshot-delete',
    ],
  },
  memory: { type: 'integer', optional: true, minimum: 16, default: 512 },
  nameserver: { type: 'string', optional: true, format: 'lxc-ip-with-ll-iface-list' },
  onboot: { type: 'boolean', optional: true, default: 0 },
  ostype: {
    type: 'string',
    optional: true,
    enum: [
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
      'unmanaged',
    ],
  },
  protection: { type: 'boolean', optional: true, default: 0 },
  rootfs: { type: 'string', optional: true, format: FORMAT_IDS.rootfs },
  searchdomain: { type: 'string', optional: true, format: 'dns-name-list' },
  startup: { type: 'string', optional: true, format: 'pve-startup-order' },
  swap: { type: 'integer', optional: true, minimum: 0, default: 512 },
  tags: { type: 'string', optional: true, format: 'pve-tag-list' },
  template: { type: 'boolean', optional: true, default: 0 },
  timezone: { type: 'string', optional: true, format: 'pve-ct-timezone' },
  tty: { type: 'integer', optional: true, minimum: 0, maximum: 6, default: 2 },
  unprivileged: { type: 'boolean', optional: true, default: 0 },
};

export const NET_DEF: ParamDef = { type: 'string', optional: true, format: FORMAT_IDS.net };
export const MP_DEF: ParamDef = { type: 'string', optional: true, format: FORMAT_IDS.mp };
export const DEV_DEF: ParamDef = { type: 'string', optional: true, format: FORMAT_IDS.dev };
export const UNUSED_DEF: ParamDef = { type: 'string', optional: true, format: FORMAT_IDS.unused };

/** `net[n]`, `mp[n]`, `dev[n]`, `unused[n]`: net0..net31, the others 0..255 (LXC/Config.pm). */
export const CONFIG_INDEXED = {
  net: { max: 31, def: NET_DEF },
  mp: { max: 255, def: MP_DEF },
  dev: { max: 255, def: DEV_DEF },
  unused: { max: 255, def: UNUSED_DEF },
};

/** Parameters of PUT /nodes/{node}/lxc/{vmid}/config besides the config keys. */
export const UPDATE_ONLY: Record<string, ParamDef> = {
  delete: { type: 'string', optional: true, format: 'pve-configid-list' },
  digest: { type: 'string', optional: true, maxLength: 40 },
  revert: { type: 'string', optional: true, format: 'pve-configid-list' },
};

/** Parameters of POST /nodes/{node}/lxc besides the config keys. */
export const CREATE_ONLY: Record<string, ParamDef> = {
  bwlimit: {
    type: 'number',
    optional: true,
    minimum: 0,
    default: 'restore limit from datacenter or storage config',
  },
  force: { type: 'boolean', optional: true },
  'ha-managed': { type: 'boolean', optional: true, default: 0 },
  'ignore-unpack-errors': { type: 'boolean', optional: true },
  ostemplate: { type: 'string', maxLength: 255 },
  password: { type: 'string', optional: true, minLength: 5 },
  pool: { type: 'string', optional: true, format: 'pve-poolid' },
  restore: { type: 'boolean', optional: true },
  'ssh-public-keys': { type: 'string', optional: true },
  start: { type: 'boolean', optional: true, default: 0 },
  storage: { type: 'string', optional: true, format: 'pve-storage-id', default: 'local' },
  unique: { type: 'boolean', optional: true },
};

/** The type of a config key, for keeping values in the form they read back from the file. */
export function configKeyType(key: string): ParamDef['type'] | undefined {
  const direct = CONFIG_KEYS[key];
  if (direct) return direct.type;
  const m = /^(net|mp|dev|unused)\d+$/.exec(key);
  return m ? 'string' : undefined;
}

/** `option_exists`: whether `key` is a container config option. */
export function isConfigKey(key: string): boolean {
  if (CONFIG_KEYS[key]) return true;
  const m = /^(net|mp|dev|unused)(\d+)$/.exec(key);
  if (!m?.[1] || m[2] === undefined) return false;
  if (m[2].length > 1 && m[2].startsWith('0')) return false;
  return Number(m[2]) <= CONFIG_INDEXED[m[1] as keyof typeof CONFIG_INDEXED].max;
}
