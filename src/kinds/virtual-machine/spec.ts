/**
 * The VirtualMachine spec with every default applied, so that pure functions can take a spec before
 * or after Ajv filled in the schema defaults.
 */
import { resolveNic as resolveGuestNic, type GuestNic } from '../guest-nics/nics.js';
import { VM_DEFAULTS as D, type VirtualMachineSpec } from './schema.js';

export type { VirtualMachineSpec };

/** A NIC as every guest kind has it (guest-nics), plus the emulated model. */
export interface VmNic extends GuestNic {
  model: string;
}

export interface VmDisk {
  /** `scsi0`, `virtio1`... counted per bus in list order. */
  key: string;
  storage: string;
  sizeGb: number;
  cache?: string;
  discard?: boolean;
  ssd?: boolean;
}

export type VmSource =
  | { kind: 'image'; image: string; checksum?: string; storage: string }
  | { kind: 'clone'; template: number | string; full: boolean };

export interface ResolvedVm {
  node: string;
  vmid?: number;
  name: string;
  source: VmSource;
  cores: number;
  sockets: number;
  cpuType: string;
  memory: number;
  balloon?: number;
  machine?: string;
  bios: 'seabios' | 'ovmf';
  efiStorage: string;
  disks: VmDisk[];
  /** False for a clone: disks not listed (the template's) are left alone, never deleted. */
  ownsAllDisks: boolean;
  nics: VmNic[];
  nicPolicy: 'report' | 'authoritative';
  cloudInit?: {
    user?: string;
    passwordFile?: string;
    sshKeys: string[];
    nameservers: string[];
    searchdomain?: string;
    upgrade: boolean;
    storage: string;
  };
  agent: boolean;
  serial: boolean;
  onboot: boolean;
  startup?: { order?: number; up?: number; down?: number };
  tags: string[];
  description?: string;
  protection: boolean;
  state: 'running' | 'stopped';
  restartPolicy: 'never' | 'onChange';
  replacePolicy: 'never' | 'recreate';
  shutdownTimeoutSeconds: number;
  /** Reverse-proxy routes on the appliance (members only). */
  expose: { host: string; port: number; pathPrefix?: string }[];
}

function resolveSource(s: VirtualMachineSpec['source']): VmSource {
  if (s.clone) {
    return { kind: 'clone', template: s.clone.template, full: s.clone.full ?? D.fullClone };
  }
  const out: VmSource = {
    kind: 'image',
    image: s.image ?? '',
    storage: s.imageStorage ?? D.imageStorage,
  };
  if (s.checksum !== undefined) out.checksum = s.checksum;
  return out;
}

function resolveDisks(spec: VirtualMachineSpec): VmDisk[] {
  const perBus = new Map<string, number>();
  // A clone keeps whatever disks the template has: no default list (it would replace the boot disk).
  const listed = spec.disks ?? (spec.source.clone ? [] : [{ size: D.diskGb }]);
  return listed.map((d) => {
    const bus = d.bus ?? D.bus;
    const n = perBus.get(bus) ?? 0;
    perBus.set(bus, n + 1);
    const out: VmDisk = { key: `${bus}${n}`, storage: d.storage ?? D.storage, sizeGb: d.size };
    if (d.cache !== undefined) out.cache = d.cache;
    if (d.discard !== undefined) out.discard = d.discard;
    if (d.ssd !== undefined) out.ssd = d.ssd;
    return out;
  });
}

function resolveNic(n: VirtualMachineSpec['networks'][number]): VmNic {
  return { ...resolveGuestNic(n), model: n.model ?? D.model };
}

/** Applies pxr's defaults; `name` is the object's name (the default VM name). */
export function resolveVm(spec: VirtualMachineSpec, name: string): ResolvedVm {
  const disks = resolveDisks(spec);
  const firstStorage = disks[0]?.storage ?? D.storage;
  const out: ResolvedVm = {
    node: spec.node,
    name: spec.name ?? name,
    source: resolveSource(spec.source),
    cores: spec.cpu?.cores ?? D.cores,
    sockets: spec.cpu?.sockets ?? D.sockets,
    cpuType: spec.cpu?.type ?? D.cpuType,
    memory: spec.memory ?? D.memory,
    bios: spec.bios ?? D.bios,
    efiStorage: spec.efiStorage ?? firstStorage,
    disks,
    ownsAllDisks: !spec.source.clone,
    nics: spec.networks.map(resolveNic),
    nicPolicy: spec.nicPolicy ?? 'report',
    agent: spec.agent ?? D.agent,
    serial: spec.serial ?? D.serial,
    onboot: spec.onboot ?? D.onboot,
    tags: [...(spec.tags ?? [])],
    protection: spec.protection ?? D.protection,
    state: spec.state ?? D.state,
    restartPolicy: spec.restartPolicy ?? D.restartPolicy,
    replacePolicy: spec.replacePolicy ?? D.replacePolicy,
    shutdownTimeoutSeconds: spec.shutdownTimeoutSeconds ?? D.shutdownTimeoutSeconds,
    expose: (spec.expose ?? []).map((e) => ({ ...e })),
  };
  if (spec.vmid !== undefined) out.vmid = spec.vmid;
  if (spec.balloon !== undefined) out.balloon = spec.balloon;
  if (spec.machine !== undefined) out.machine = spec.machine;
  if (spec.startup !== undefined) out.startup = { ...spec.startup };
  if (spec.description !== undefined) out.description = spec.description;
  const ci = spec.cloudInit;
  if (ci) {
    out.cloudInit = {
      sshKeys: [...(ci.sshKeys ?? [])],
      nameservers: [...(ci.nameservers ?? [])],
      upgrade: ci.upgrade ?? D.upgrade,
      storage: ci.storage ?? firstStorage,
    };
    if (ci.user !== undefined) out.cloudInit.user = ci.user;
    if (ci.passwordFile !== undefined) out.cloudInit.passwordFile = ci.passwordFile;
    if (ci.searchdomain !== undefined) out.cloudInit.searchdomain = ci.searchdomain;
  }
  return out;
}
