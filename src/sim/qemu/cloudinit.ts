/**
 * GET/PUT /cloudinit and GET /cloudinit/dump (nocloud format): what the generated drive holds
 * versus the current config, `vmconfig_update_cloudinit_drive`, and the user/network/meta files
 * as qemu-server's Cloudinit.pm writes them.
 */
import { createHash } from 'node:crypto';
import { die, type RequestContext } from '../types.js';
import { checkVmLock, requestVm, vmsOf } from './guests.js';
import { cloudinitValues, hasCloudinitDrive, regenerateCloudinit } from './runtime.js';
import { parseNet, splitProps } from './props.js';

const MASK = '**********';

export function getCloudinit(ctx: RequestContext): Record<string, unknown>[] {
  const { vm } = requestVm(ctx);
  const now = cloudinitValues(vm.config);
  const gen = vm.ciGenerated ?? {};
  const mask = (k: string, v: string | number | undefined): string | number | undefined =>
    k === 'cipassword' && v !== undefined ? MASK : v;
  const res: Record<string, unknown>[] = [];
  // `defined` in Perl: a 0 (`ciupgrade: 0`) is a value, not an absent option.
  const unset = (v: string | number | undefined): boolean => v === undefined || v === '';
  for (const key of Object.keys(now).sort()) {
    const v = now[key];
    if (unset(v)) continue;
    if (gen[key] === undefined) res.push({ key, pending: mask(key, v) });
    else if (String(gen[key]) !== String(v))
      res.push({ key, value: mask(key, gen[key]), pending: mask(key, v) });
    else res.push({ key, value: mask(key, v) });
  }
  for (const key of Object.keys(gen).sort()) if (unset(now[key])) res.push({ key, delete: 1 });
  return res;
}

export function putCloudinit(ctx: RequestContext): null {
  const { node, vm, vmid } = requestVm(ctx);
  checkVmLock(vm);
  if (hasCloudinitDrive(vm.config)) {
    regenerateCloudinit(vm);
    vmsOf(node)[String(vmid)] = vm;
    ctx.sim.touch();
  }
  return null;
}

function hostname(conf: Record<string, string | number>, vmid: number): [string, string] {
  const name = typeof conf.name === 'string' ? conf.name : `VM${vmid}`;
  if (name.includes('.')) return [name.replace(/\..*$/, ''), name];
  const search = conf.searchdomain;
  return [name, search ? `${name}.${String(search)}` : name];
}

/** `cloudinit_userdata` */
export function userData(conf: Record<string, string | number>, vmid: number): string {
  const [host, fqdn] = hostname(conf, vmid);
  let s = `#cloud-config\nhostname: ${host}\nmanage_etc_hosts: true\nfqdn: ${fqdn}\n`;
  const user = conf.ciuser === undefined ? undefined : String(conf.ciuser);
  if (user !== undefined) s += `user: ${user}\n`;
  if (user === 'root') s += 'disable_root: False\n';
  if (conf.cipassword !== undefined) s += `password: ${String(conf.cipassword)}\n`;
  if (conf.sshkeys !== undefined) {
    let keys = String(conf.sshkeys);
    try {
      keys = decodeURIComponent(keys);
    } catch {
      // left as it is, like uri_unescape
    }
    s += 'ssh_authorized_keys:\n';
    for (const k of keys.split('\n')) if (/\S/.test(k)) s += `  - ${k}\n`;
  }
  s += 'chpasswd:\n  expire: False\n';
  if (user !== 'root') s += 'users:\n  - default\n';
  if (conf.ciupgrade === undefined || Number(conf.ciupgrade) !== 0) s += 'package_upgrade: true\n';
  return s;
}

const MASKS = Array.from({ length: 33 }, (_, n) => {
  const m = n === 0 ? 0 : (0xffffffff << (32 - n)) >>> 0;
  return [m >>> 24, (m >>> 16) & 255, (m >>> 8) & 255, m & 255].join('.');
});

/** `nocloud_network` (version 1). The host's resolv.conf is taken as empty. */
export function networkData(conf: Record<string, string | number>): string {
  let s = 'version: 1\nconfig:\n';
  const ifaces = Object.keys(conf)
    .filter((k) => /^net\d+$/.test(k))
    .sort();
  for (const iface of ifaces) {
    const id = iface.slice(3);
    const ipc = conf[`ipconfig${id}`];
    if (!ipc) continue;
    const mac = parseNet(iface, String(conf[iface]), () => 0).macaddr.toLowerCase();
    const ip = splitProps(String(ipc)).props;
    s += `    - type: physical\n      name: eth${id}\n      mac_address: '${mac}'\n      subnets:\n`;
    const i = '      ';
    if (ip.ip !== undefined) {
      if (ip.ip === 'dhcp') s += `${i}- type: dhcp4\n`;
      else {
        const [addr, bits] = ip.ip.split('/');
        if (bits === undefined) die(`not a CIDR: ${ip.ip}`);
        s += `${i}- type: static\n${i}  address: '${addr}'\n${i}  netmask: '${MASKS[Number(bits)]}'\n`;
        if (ip.gw !== undefined) s += `${i}  gateway: '${ip.gw}'\n`;
      }
    }
    if (ip.ip6 !== undefined) {
      if (ip.ip6 === 'dhcp') s += `${i}- type: dhcp6\n`;
      else if (ip.ip6 === 'auto') s += `${i}- type: ipv6_slaac\n`;
      else {
        s += `${i}- type: static6\n${i}  address: '${ip.ip6}'\n`;
        if (ip.gw6 !== undefined) s += `${i}  gateway: '${ip.gw6}'\n`;
      }
    }
  }
  const search = conf.searchdomain === undefined ? [] : String(conf.searchdomain).split(/\s+/);
  const ns = conf.nameserver === undefined ? [] : String(conf.nameserver).split(/\s+/);
  s += '    - type: nameserver\n';
  if (ns.length > 0) s += `      address:\n${ns.map((n) => `      - '${n}'\n`).join('')}`;
  if (search.length > 0) s += `      search:\n${search.map((n) => `      - '${n}'\n`).join('')}`;
  return s;
}

export function dumpCloudinit(ctx: RequestContext): string {
  const { vm, vmid } = requestVm(ctx);
  const conf = vm.config;
  const type = String(ctx.params.type);
  if (type === 'user') return userData(conf, vmid);
  if (type === 'network') return networkData(conf);
  const uuid = createHash('sha1')
    .update(userData(conf, vmid) + networkData(conf))
    .digest('hex');
  return `instance-id: ${uuid}\n`;
}
