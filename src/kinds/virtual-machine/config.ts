/**
 * Desired vs observed VM config -> one plan. Pure. Proxmox re-prints what it is given (property
 * strings re-ordered, sizes in the largest exact unit, booleans as 0/1, tags lower-cased and sorted,
 * sshkeys URL-encoded), so both sides are brought to one canonical string per key before comparing.
 * Settable keys go into ONE `PUT /config` (with `delete=` for what the spec no longer has); disks grow
 * through `PUT /resize`; a shrink is impossible; a disk's storage can only change by replacement.
 */
import type { ConfigPlan, FieldChange } from '../app-container/diff.js';
import { descriptionWithMarker, PXR_TAG } from '../app-container/marker.js';
import {
  normalizeTags,
  normalizeText,
  parseProps,
  parseSize,
  printProps,
  propBool,
  type PropMap,
} from '../app-container/propstring.js';
import { sizeArg } from '../app-container/normalize.js';
import { encodeSshKeys } from '../../pve/qemu.js';
// qemu-server's model list, as the simulator keeps it (one copy).
import { NIC_MODELS } from '../../sim/qemu/props.js';
import { nicProps } from '../guest-nics/nics.js';
import type { ResolvedVm, VmDisk, VmNic } from './spec.js';

export type RawConfig = Record<string, string | number | undefined>;

/** NIC models Proxmox accepts as the key carrying the MAC (`virtio=BC:24:...`). */
const NIC_MODEL_SET: ReadonlySet<string> = new Set(NIC_MODELS);

/** Plain keys and their canonical unset value (what an absent key means to Proxmox). */
const SCALARS = {
  name: '',
  cores: '1',
  sockets: '1',
  // qemu-server's default when `cpu` is absent (a template made without one): not pxr's default.
  cpu: 'kvm64',
  memory: '512',
  balloon: '',
  machine: '',
  bios: 'seabios',
  agent: '0',
  serial0: '',
  vga: '',
  onboot: '0',
  startup: '',
  tags: '',
  description: '',
  protection: '0',
} as const;
type Scalar = keyof typeof SCALARS;

/** Cloud-init keys pxr manages when the spec has `cloudInit` (ciupgrade defaults to 1). */
const CI_SCALARS = {
  ciuser: '',
  sshkeys: '',
  nameserver: '',
  searchdomain: '',
  ciupgrade: '1',
} as const;
type CiScalar = keyof typeof CI_SCALARS;

/** Keys whose change is recorded against the cloud-init drive (regenerated after a change). */
export function isCloudinitKey(key: string): boolean {
  return key in CI_SCALARS || key === 'cipassword' || /^ipconfig\d+$/.test(key);
}

export const DRIVE_KEY_RE = /^(scsi|virtio|sata|ide)\d+$/;

const b = (v: boolean): string => (v ? '1' : '0');

/** `sshkeys` as Proxmox keeps it: one key a line, URL-encoded (`%20` for spaces, never `+`). */
export function sshKeysParam(keys: readonly string[]): string {
  return encodeSshKeys(keys.map((k) => k.trim()).join('\n'));
}

function canonicalSshKeys(v: string | number | undefined): string {
  if (v === undefined) return '';
  let text = String(v);
  try {
    text = decodeURIComponent(text);
  } catch {
    // kept as read: a hand-written unencoded value still compares line by line
  }
  return text
    .split('\n')
    .map((l) => l.trim().replace(/\s+/g, ' '))
    .filter((l) => l !== '')
    .join('\n');
}

/** The desired value of each plain key (canonical form, also the form sent). */
function desiredScalars(s: ResolvedVm, uid: string): Record<Scalar, string> {
  return {
    name: s.name,
    cores: String(s.cores),
    sockets: String(s.sockets),
    cpu: s.cpuType,
    memory: String(s.memory),
    balloon: s.balloon === undefined ? '' : String(s.balloon),
    machine: s.machine ?? '',
    bios: s.bios,
    agent: b(s.agent),
    serial0: s.serial ? 'socket' : '',
    vga: s.serial ? 'serial0' : '',
    onboot: b(s.onboot),
    startup: s.startup ? printProps(numProps(s.startup), ['order']) : '',
    tags: normalizeTags([...s.tags, PXR_TAG]),
    description: descriptionWithMarker(s.description, uid),
    protection: b(s.protection),
  };
}

function numProps(o: Record<string, number | undefined>): PropMap {
  const out: PropMap = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = String(v);
  return out;
}

function observedScalars(raw: RawConfig): Record<Scalar, string> {
  const out = { ...SCALARS } as Record<Scalar, string>;
  for (const k of Object.keys(SCALARS) as Scalar[]) {
    const v = raw[k];
    if (v === undefined || v === '') continue;
    out[k] = String(v);
  }
  out.cpu = parseProps(raw['cpu'], 'cputype')['cputype'] ?? SCALARS.cpu;
  const agent = parseProps(raw['agent'], 'enabled')['enabled'];
  out.agent = b(propBool(agent) === 1);
  out.onboot = b(propBool(raw['onboot'] === undefined ? undefined : String(raw['onboot'])) === 1);
  out.protection = b(
    propBool(raw['protection'] === undefined ? undefined : String(raw['protection'])) === 1,
  );
  // Only the serial console pxr sets is pxr's: another display is left alone.
  out.vga = raw['vga'] === 'serial0' ? 'serial0' : '';
  out.startup =
    raw['startup'] === undefined ? '' : printProps(parseProps(raw['startup']), ['order']);
  out.tags = normalizeTags(String(raw['tags'] ?? ''));
  out.description = normalizeText(
    raw['description'] === undefined ? '' : String(raw['description']),
  );
  return out;
}

function desiredCi(s: ResolvedVm): Record<CiScalar, string> | undefined {
  const ci = s.cloudInit;
  if (!ci) return undefined;
  return {
    ciuser: ci.user ?? '',
    sshkeys: canonicalSshKeys(sshKeysParam(ci.sshKeys)),
    nameserver: ci.nameservers.join(' '),
    searchdomain: ci.searchdomain ?? '',
    ciupgrade: b(ci.upgrade),
  };
}

function observedCi(raw: RawConfig): Record<CiScalar, string> {
  const out = { ...CI_SCALARS } as Record<CiScalar, string>;
  for (const k of Object.keys(CI_SCALARS) as CiScalar[]) {
    const v = raw[k];
    if (v !== undefined && v !== '') out[k] = String(v);
  }
  out.sshkeys = canonicalSshKeys(raw['sshkeys']);
  out.nameserver = out.nameserver
    .split(/[\s,;]+/)
    .filter((x) => x !== '')
    .join(' ');
  out.ciupgrade = b(
    propBool(raw['ciupgrade'] === undefined ? undefined : String(raw['ciupgrade']), 1) === 1,
  );
  return out;
}

/** A NIC as a map: model, macaddr (when known), bridge, firewall, tag, mtu, rate. */
export function parseNic(text: string | number | undefined): PropMap | undefined {
  if (text === undefined) return undefined;
  const raw = parseProps(text);
  const out: PropMap = {};
  for (const [k, v] of Object.entries(raw)) {
    if (NIC_MODEL_SET.has(k)) {
      out['model'] = k;
      if (v !== '') out['macaddr'] = v.toUpperCase();
    } else if (k === 'macaddr') out['macaddr'] = v.toUpperCase();
    else if (k === 'firewall' || k === 'link_down') {
      if (propBool(v) === 1) out[k] = '1';
    } else if (k === 'rate') out[k] = String(Number(v));
    else out[k] = v;
  }
  return out;
}

/** The NIC map pxr wants (bridge resolved by the caller; MAC when one is kept). */
export function desiredNic(nic: VmNic, bridge: string, mac: string | undefined): PropMap {
  const out: PropMap = { model: nic.model, ...nicProps({ ...nic, bridge }) };
  if (mac !== undefined) out['macaddr'] = mac.toUpperCase();
  return out;
}

/** `virtio=BC:24:..,bridge=vmbr0,...` (no MAC: Proxmox generates one). */
export function printNic(m: PropMap): string {
  const { model = 'virtio', macaddr, ...rest } = m;
  return printProps({ [model]: macaddr ?? '', ...rest }, [model]).replace(
    /^([a-z0-9_-]+)=,/,
    '$1,',
  );
}

/** `ip=dhcp` / `gw=10.0.0.1,ip=10.0.0.5/24` / '' for `none`. */
export function desiredIpconfig(nic: VmNic): string {
  if (nic.ip === 'none' || nic.appliance !== undefined) {
    return nic.appliance !== undefined ? 'ip=dhcp' : '';
  }
  const m: PropMap = { ip: nic.ip };
  if (nic.gateway !== undefined && nic.ip !== 'dhcp') m['gw'] = nic.gateway;
  return printProps(m);
}

export interface DiskState {
  key: string;
  volume: string;
  storage: string;
  sizeBytes: number;
  props: PropMap;
}

function parseDrive(key: string, text: string | number | undefined): DiskState | undefined {
  if (text === undefined) return undefined;
  const props = parseProps(text, 'file');
  const volume = props['file'] ?? '';
  delete props['file'];
  const i = volume.indexOf(':');
  return {
    key,
    volume,
    storage: i > 0 ? volume.slice(0, i) : '',
    sizeBytes: parseSize(props['size']) ?? 0,
    props,
  };
}

/** A drive pxr manages as a disk: not a CD-ROM, not the cloud-init drive. */
function isDataDisk(d: DiskState): boolean {
  return d.props['media'] !== 'cdrom' && !/cloudinit/.test(d.volume) && d.volume !== 'none';
}

/** The options of a disk as pxr compares them (cache, discard, ssd). */
function diskOpts(d: VmDisk): PropMap {
  const o: PropMap = {};
  if (d.cache !== undefined) o['cache'] = d.cache;
  if (d.discard) o['discard'] = 'on';
  if (d.ssd) o['ssd'] = '1';
  return o;
}

function observedOpts(props: PropMap): PropMap {
  const o: PropMap = {};
  if (props['cache'] !== undefined) o['cache'] = props['cache'];
  if (props['discard'] === 'on') o['discard'] = 'on';
  if (props['ssd'] !== undefined && propBool(props['ssd']) === 1) o['ssd'] = '1';
  return o;
}

/** A new disk as sent on create or in the PUT that adds it (`local-lvm:8,discard=on`). */
export function newDiskString(d: VmDisk, importFrom?: string): string {
  const head = importFrom === undefined ? `${d.storage}:${d.sizeGb}` : `${d.storage}:0`;
  const opts = diskOpts(d);
  if (importFrom !== undefined) opts['import-from'] = importFrom;
  const rest = printProps(opts);
  return rest === '' ? head : `${head},${rest}`;
}

/** The cloud-init drive of a config, if any. */
export function cloudinitDrive(raw: RawConfig): string | undefined {
  return Object.keys(raw).find((k) => DRIVE_KEY_RE.test(k) && /cloudinit/.test(String(raw[k])));
}

function freeIde(raw: RawConfig): string | undefined {
  return ['ide2', 'ide0', 'ide1', 'ide3'].find((k) => raw[k] === undefined);
}

export interface VmDesiredInput {
  spec: ResolvedVm;
  uid: string;
  /** Bridge per NIC index (the appliance's LAN bridge for an appliance NIC). */
  bridges: string[];
  /** MAC kept per NIC index (from status, or the appliance member MAC). */
  macs: (string | undefined)[];
  /**
   * Whether `net<i>`/`ipconfig<i>` beyond the list may be deleted: a NIC pxr made (and the spec
   * dropped), or any under `nicPolicy: authoritative`. Unset: none is (reported instead).
   */
  dropExtra?: (index: number) => boolean;
}

/** The whole plan from desired state and the pending-merged config. */
/**
 * Field names start with the Proxmox key they change (`ciuser`, `net0.bridge`, `scsi0.size`): the
 * runtime's admission keeps or drops a key's PUT by that first segment (`onlyFields`).
 */
export function planConfig(d: VmDesiredInput, raw: RawConfig): ConfigPlan {
  const plan: ConfigPlan = {
    fields: [],
    set: {},
    delete: [],
    resizes: [],
    replace: [],
    shrink: [],
  };
  const put = (key: string, field: string, want: string, have: string, send = want): void => {
    plan.fields.push({
      field,
      desired: want === '' ? null : want,
      actual: have === '' ? null : have,
    });
    if (send === '') plan.delete.push(key);
    else plan.set[key] = send;
  };
  const s = d.spec;
  const want = desiredScalars(s, d.uid);
  const have = observedScalars(raw);
  for (const k of Object.keys(SCALARS) as Scalar[]) {
    if (want[k] !== have[k]) put(k, k, want[k], have[k]);
  }
  const ci = desiredCi(s);
  if (ci) {
    const haveCi = observedCi(raw);
    for (const k of Object.keys(CI_SCALARS) as CiScalar[]) {
      if (ci[k] === haveCi[k]) continue;
      const send =
        k === 'sshkeys' ? (ci[k] === '' ? '' : sshKeysParam(s.cloudInit?.sshKeys ?? [])) : ci[k];
      put(k, k, ci[k], haveCi[k], send);
    }
    if (cloudinitDrive(raw) === undefined) {
      const slot = freeIde(raw);
      if (slot) put(slot, slot, `${s.cloudInit?.storage ?? ''}:cloudinit`, '');
    }
  }
  planNics(d, raw, plan, ci !== undefined);
  planDisks(s, raw, plan);
  if (s.bios === 'ovmf' && raw['efidisk0'] === undefined) {
    put('efidisk0', 'efidisk0', `${s.efiStorage}:1,efitype=4m,pre-enrolled-keys=1`, '');
  }
  return plan;
}

function planNics(d: VmDesiredInput, raw: RawConfig, plan: ConfigPlan, withCi: boolean): void {
  const count = d.spec.nics.length;
  d.spec.nics.forEach((nic, i) => {
    const key = `net${i}`;
    const want = desiredNic(nic, d.bridges[i] ?? '', d.macs[i]);
    const have = parseNic(raw[key]);
    const diffs = nicDiffs(key, want, have ?? {});
    if (diffs.length > 0) {
      plan.fields.push(...(have ? diffs : [{ field: key, desired: printNic(want), actual: null }]));
      plan.set[key] = printNic(want);
    }
    if (!withCi) return;
    const ipKey = `ipconfig${i}`;
    const wantIp = desiredIpconfig(nic);
    const haveIp = raw[ipKey] === undefined ? '' : printProps(parseProps(raw[ipKey]));
    if (wantIp !== haveIp) {
      plan.fields.push({ field: ipKey, desired: wantIp || null, actual: haveIp || null });
      if (wantIp === '') plan.delete.push(ipKey);
      else plan.set[ipKey] = wantIp;
    }
  });
  // NICs beyond the list are removed, with their ipconfig, only when pxr may (dropExtra).
  for (const key of Object.keys(raw).sort()) {
    const m = /^(net|ipconfig)(\d+)$/.exec(key);
    if (!m || Number(m[2]) < count) continue;
    if (m[1] === 'ipconfig' && !withCi) continue;
    if (!(d.dropExtra?.(Number(m[2])) ?? false)) continue;
    plan.fields.push({ field: key, desired: null, actual: String(raw[key]) });
    plan.delete.push(key);
  }
}

function nicDiffs(key: string, want: PropMap, have: PropMap): FieldChange[] {
  const out: FieldChange[] = [];
  const keys = [...new Set([...Object.keys(want), ...Object.keys(have)])].sort();
  for (const k of keys) {
    // A MAC pxr does not keep yet is whatever Proxmox generated.
    if (k === 'macaddr' && want[k] === undefined) continue;
    if (want[k] !== have[k])
      out.push({ field: `${key}.${k}`, desired: want[k] ?? null, actual: have[k] ?? null });
  }
  return out;
}

function planDisks(s: ResolvedVm, raw: RawConfig, plan: ConfigPlan): void {
  const wanted = new Set<string>();
  for (const d of s.disks) {
    wanted.add(d.key);
    const a = parseDrive(d.key, raw[d.key]);
    if (!a || !isDataDisk(a)) {
      plan.fields.push({ field: d.key, desired: newDiskString(d), actual: null });
      plan.set[d.key] = newDiskString(d);
      continue;
    }
    if (a.storage !== d.storage) {
      plan.replace.push({ field: `${d.key}.storage`, desired: d.storage, actual: a.storage });
    }
    const ds = d.sizeGb * 1024 ** 3;
    if (ds > a.sizeBytes) {
      plan.fields.push({
        field: `${d.key}.size`,
        desired: sizeArg(ds),
        actual: sizeArg(a.sizeBytes),
      });
      plan.resizes.push({ disk: d.key, size: sizeArg(ds) });
    } else if (ds < a.sizeBytes) {
      plan.shrink.push({
        field: `${d.key}.size`,
        desired: sizeArg(ds),
        actual: sizeArg(a.sizeBytes),
      });
    }
    const wo = diskOpts(d);
    const ho = observedOpts(a.props);
    let changed = false;
    for (const k of ['cache', 'discard', 'ssd']) {
      if (wo[k] === ho[k]) continue;
      plan.fields.push({ field: `${d.key}.${k}`, desired: wo[k] ?? null, actual: ho[k] ?? null });
      changed = true;
    }
    if (changed) {
      const props: PropMap = { ...a.props };
      delete props['cache'];
      delete props['discard'];
      delete props['ssd'];
      plan.set[d.key] = printProps({ file: a.volume, ...props, ...wo }, ['file']).replace(
        /^file=/,
        '',
      );
    }
  }
  if (!s.ownsAllDisks) return;
  for (const key of Object.keys(raw).sort()) {
    if (!DRIVE_KEY_RE.test(key) || wanted.has(key)) continue;
    const a = parseDrive(key, raw[key]);
    if (!a || !isDataDisk(a)) continue;
    plan.fields.push({ field: key, desired: null, actual: a.volume });
    plan.delete.push(key);
  }
}

/** Pending keys pxr cares about (a managed key, a disk or a NIC). */
export function managedPending(pendingKeys: readonly string[]): string[] {
  return pendingKeys.filter(
    (k) =>
      k in SCALARS ||
      isCloudinitKey(k) ||
      DRIVE_KEY_RE.test(k) ||
      /^net\d+$/.test(k) ||
      k === 'efidisk0',
  );
}

/** The MAC of each NIC in a config (upper-case), by index. */
export function observedMacs(raw: RawConfig): Map<number, string> {
  const out = new Map<number, string>();
  for (const key of Object.keys(raw)) {
    const m = /^net(\d+)$/.exec(key);
    const mac = m ? parseNic(raw[key])?.['macaddr'] : undefined;
    if (m && mac) out.set(Number(m[1]), mac);
  }
  return out;
}

export { parseDrive };
