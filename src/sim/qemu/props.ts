/**
 * QEMU property strings: drives (`local-lvm:vm-100-disk-0,iothread=1,size=32G`) and NICs
 * (`virtio=BC:24:11:..,bridge=vmbr0,firewall=1`), parsed and re-printed as qemu-server does
 * (the default key first, then the others sorted).
 */
import { paramError } from '../types.js';
import { randomMac } from '../lxc/ct-formats.js';

export type Props = Record<string, string>;

/** `a=1,b=2` -> entries; the first bare value (no `=`) is returned as `bare`. */
export function splitProps(text: string): { bare?: string; props: Props; keys: string[] } {
  const props: Props = {};
  const keys: string[] = [];
  let bare: string | undefined;
  for (const part of text.split(',')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    if (eq < 0) {
      if (bare !== undefined || keys.length > 0)
        throw new Error(`value without key, but schema does not define a default key`);
      bare = part;
      continue;
    }
    const k = part.slice(0, eq);
    if (props[k] !== undefined)
      throw new Error(`duplicate key in comma-separated list property: ${k}`);
    props[k] = part.slice(eq + 1);
    keys.push(k);
  }
  return { ...(bare !== undefined ? { bare } : {}), props, keys };
}

export function printProps(first: string | undefined, props: Props): string {
  const rest = Object.keys(props)
    .sort()
    .map((k) => `${k}=${props[k]}`);
  return [...(first !== undefined ? [first] : []), ...rest].join(',');
}

/** NIC models of qemu-server's `$nic_model_list`. */
export const NIC_MODELS = [
  'e1000',
  'e1000-82540em',
  'e1000-82544gc',
  'e1000-82545em',
  'e1000e',
  'i82551',
  'i82557b',
  'i82559er',
  'ne2k_isa',
  'ne2k_pci',
  'pcnet',
  'rtl8139',
  'virtio',
  'vmxnet3',
];

const NET_KEYS = new Set([
  'bridge',
  'firewall',
  'link_down',
  'macaddr',
  'model',
  'mtu',
  'queues',
  'rate',
  'tag',
  'trunks',
]);

export interface Net {
  model: string;
  macaddr: string;
  props: Props;
}

/**
 * `parse_net` (+ the MAC Proxmox generates for a NIC without one). `virtio=MAC` and
 * `model=virtio,macaddr=MAC` are the same; errors are 400 on the parameter, as the schema check.
 */
export function parseNet(key: string, text: string, random: () => number): Net {
  const bad = (msg: string): never => paramError({ [key]: `invalid format - ${msg}\n` });
  const props: Props = {};
  let model: string | undefined;
  let macaddr: string | undefined;
  for (const part of text.split(',')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const k = eq < 0 ? part : part.slice(0, eq);
    const v = eq < 0 ? undefined : part.slice(eq + 1);
    if (NIC_MODELS.includes(k)) {
      if (model !== undefined) bad(`duplicate key in comma-separated list property: model`);
      model = k;
      if (v !== undefined && v !== '') macaddr = v;
    } else if (k === 'model') {
      if (v === undefined || !NIC_MODELS.includes(v))
        bad(
          `model: value '${v ?? ''}' does not have a value in the enumeration '${NIC_MODELS.join(', ')}'`,
        );
      model = v;
    } else if (k === 'macaddr') {
      macaddr = v;
    } else if (NET_KEYS.has(k) && v !== undefined) {
      props[k] = v;
    } else if (v === undefined && model === undefined) {
      bad(
        `model: value '${k}' does not have a value in the enumeration '${NIC_MODELS.join(', ')}'`,
      );
    } else {
      bad(`invalid key in comma-separated list property: ${k}`);
    }
  }
  if (model === undefined) return bad('model: property is missing and it is not optional');
  if (macaddr !== undefined && !/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(macaddr))
    bad(`macaddr: value does not match the regex pattern`);
  if (macaddr !== undefined && (parseInt(macaddr.slice(0, 2), 16) & 1) === 1)
    bad(`macaddr: value does not look like a valid unicast MAC address`);
  if (
    props.tag !== undefined &&
    !(/^\d+$/.test(props.tag) && +props.tag >= 1 && +props.tag <= 4094)
  )
    bad(`tag: value must have a minimum value of 1`);
  if (
    props.mtu !== undefined &&
    !(/^\d+$/.test(props.mtu) && +props.mtu >= 1 && +props.mtu <= 65520)
  )
    bad(`mtu: value must have a maximum value of 65520`);
  if (props.rate !== undefined && !/^\d+(\.\d+)?$/.test(props.rate))
    bad(`rate: type check ('number') failed - got '${props.rate}'`);
  for (const b of ['firewall', 'link_down']) {
    const v = props[b];
    if (v === undefined) continue;
    if (/^(1|on|yes|true)$/i.test(v)) props[b] = '1';
    else if (/^(0|off|no|false)$/i.test(v)) props[b] = '0';
    else bad(`${b}: type check ('boolean') failed - got '${v}'`);
  }
  return { model, macaddr: macaddr ?? randomMac(random), props };
}

export function printNet(net: Net): string {
  return printProps(`${net.model}=${net.macaddr}`, net.props);
}

/** A drive key: `scsi0`, `virtio3`, `sata1`, `ide2`, `efidisk0`, `tpmstate0`. */
export const DRIVE_RE = /^(scsi|virtio|sata|ide)(\d+)$|^efidisk0$|^tpmstate0$/;
export const DRIVE_MAX: Record<string, number> = { scsi: 30, virtio: 15, sata: 5, ide: 3 };

export function isDriveKey(key: string): boolean {
  const m = DRIVE_RE.exec(key);
  if (!m) return false;
  if (m[1] === undefined) return true;
  return Number(m[2]) <= (DRIVE_MAX[m[1]] ?? -1) && !(m[2]!.length > 1 && m[2]!.startsWith('0'));
}

export interface Drive {
  /** `local-lvm:vm-100-disk-0`, `local-lvm:32`, `none`, `cdrom`, `local:iso/x.iso` */
  file: string;
  props: Props;
}

export function parseDrive(key: string, text: string): Drive {
  try {
    const { bare, props } = splitProps(text);
    const file = bare ?? props.file;
    delete props.file;
    if (file === undefined) throw new Error('file: property is missing and it is not optional');
    if (props.size !== undefined && !/^\d+(\.\d+)?[KMGT]?$/.test(props.size))
      throw new Error(`size: unable to parse size '${props.size}'`);
    if (props.media !== undefined && props.media !== 'disk' && props.media !== 'cdrom')
      throw new Error(
        `media: value '${props.media}' does not have a value in the enumeration 'cdrom, disk'`,
      );
    return { file, props };
  } catch (err) {
    return paramError({ [key]: `invalid format - ${(err as Error).message}\n` });
  }
}

export function printDrive(d: Drive): string {
  return printProps(d.file, d.props);
}

/** `drive_is_cloudinit`: the volume name is `vm-N-cloudinit`. */
export function isCloudinitDrive(d: Drive): boolean {
  return /(^|[:/])vm-\d+-cloudinit(\.(qcow2|raw))?$/.test(d.file);
}

export function isCdrom(d: Drive): boolean {
  return d.props.media === 'cdrom';
}

/** `STORAGE:SIZE` (a new disk in GiB) or `STORAGE:cloudinit`. */
export function newVolumeRequest(file: string): { storage: string; size: string } | undefined {
  const m = /^([a-z][a-z0-9\-_.]*[a-z0-9]):(\d+(?:\.\d+)?|cloudinit)$/i.exec(file);
  return m?.[1] && m[2] ? { storage: m[1], size: m[2] } : undefined;
}
