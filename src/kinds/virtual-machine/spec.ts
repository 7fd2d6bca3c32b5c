/**
 * The VirtualMachine spec with every default applied, so that pure functions can take a spec before
 * or after Ajv filled in the schema defaults.
 */
import { NIC_DEFAULTS } from './nic-schema.js';
import { VM_DEFAULTS as D, type VirtualMachineSpec } from './schema.js';

export type { VirtualMachineSpec };

export interface VmNic {
  model: string;
  bridge?: string;
  appliance?: string;
  ip: string;
  gateway?: string;
  firewall: boolean;
  vlan?: number;
  mtu?: number;
  rate?: number;
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
  nics: VmNic[];
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
  return (spec.disks ?? [{ size: D.diskGb }]).map((d) => {
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
  const out: VmNic = {
    model: n.model ?? D.model,
    ip: n.ip ?? NIC_DEFAULTS.ip,
    firewall: n.firewall ?? NIC_DEFAULTS.firewall,
  };
  if (n.bridge !== undefined) out.bridge = n.bridge;
  if (n.appliance !== undefined) out.appliance = n.appliance;
  if (n.gateway !== undefined) out.gateway = n.gateway;
  if (n.vlan !== undefined) out.vlan = n.vlan;
  if (n.mtu !== undefined) out.mtu = n.mtu;
  if (n.rate !== undefined) out.rate = n.rate;
  return out;
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
    nics: spec.networks.map(resolveNic),
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

/** The appliance NIC (at most one), with its index. */
export function applianceNic(s: ResolvedVm): { index: number; name: string } | undefined {
  const index = s.nics.findIndex((n) => n.appliance !== undefined);
  const name = s.nics[index]?.appliance;
  return name === undefined ? undefined : { index, name };
}
