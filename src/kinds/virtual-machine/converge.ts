/**
 * A VM that exists and is ours. `planConverge` (read-only) lists every difference: config keys (ONE
 * `PUT /config` with the digest), disk growth (`PUT /resize`), create-only fields (replacement), a
 * password file changed, pending changes waiting for a reboot, and the power state. `applyConverge`
 * carries out only what the runtime admitted: the PUT (re-read and re-planned once on a digest
 * mismatch), cloud-init regeneration when a cloud-init key changed, one resize task, a reboot under
 * `restartPolicy: onChange`, start/shutdown, and the guest agent's addresses in status.
 */
import { TerminalError } from '../../core/errors.js';
import type { AdmittedPlan, Condition, ObjectOutcome, PlannedChange } from '../../core/kind.js';
import { isPveApiError } from '../../pve/errors.js';
import {
  qemuAgentInterfaces,
  qemuPower,
  qemuReadConfig,
  qemuRegenerateCloudinit,
  qemuResize,
  qemuStatus,
  qemuUpdateConfig,
  type QemuConfigRead,
} from '../../pve/qemu.js';
import type { Params } from '../../pve/types.js';
import {
  pendingCondition,
  powerChanges,
  powerStep,
  replaceCondition,
  updateParams,
  wrongState,
} from '../app-container/guest-changes.js';
import {
  describeFields,
  onlyFields,
  type ConfigPlan,
  type FieldChange,
} from '../app-container/diff.js';
import { readSecretFile } from '../app-container/create.js';
import { memberUrls } from '../app-container/appliance-join.js';
import type { GuestEntry } from '../app-container/observe-cache.js';
import {
  cloudinitDrive,
  isCloudinitKey,
  managedPending,
  observedMacs,
  planConfig,
} from './config.js';
import { outcome, taskStarted, type Pass } from './pass.js';
import { teardownVm } from './finalize.js';

type Cond = Omit<Condition, 'lastTransitionTime'>;

export interface Located {
  vmid: number;
  node: string;
  entry: GuestEntry | undefined;
  entryFresh: boolean;
  read: QemuConfigRead;
  bridges: string[];
}

export interface VmFacts {
  config: ConfigPlan;
  replace: FieldChange[];
  status: string | undefined;
  statusFresh: boolean;
  planned: string[];
  isDrift: boolean;
  /** The password file must be sent (`cipassword` cannot be read back to compare). */
  password: boolean;
  /** The password file was removed from the spec: `delete=cipassword` (the old one must go). */
  dropPassword: boolean;
  /** The node the VM runs on when it is not spec.node (migrated): reported, never recreated. */
  movedTo?: string;
  /** The move is news for this pass (a Warning event is due). */
  movedNews: boolean;
}

const path = (loc: Located, tail = ''): string => `/nodes/${loc.node}/qemu/${loc.vmid}${tail}`;

function configPlan(p: Pass, loc: Located, read: QemuConfigRead): ConfigPlan {
  const macs = p.spec.nics.map((_, i) => p.obs.macs?.[i]);
  const seen = observedMacs(read.effective);
  // A NIC pxr made carries the MAC pxr recorded for it; any other is the user's (nicPolicy).
  const made = (i: number): boolean => {
    const mac = p.obs.macs?.[i];
    return mac !== undefined && mac !== '' && seen.get(i) === mac;
  };
  const dropExtra = (i: number): boolean => p.spec.nicPolicy === 'authoritative' || made(i);
  return planConfig(
    { spec: p.spec, uid: p.obj.uid, bridges: loc.bridges, macs, dropExtra },
    read.effective,
  );
}

function identityReplace(p: Pass, loc: Located, source: string): FieldChange[] {
  const s = p.spec;
  const out: FieldChange[] = [];
  if (p.obs.source !== undefined && p.obs.source !== source)
    out.push({ field: 'source', desired: source, actual: p.obs.source });
  if (s.vmid !== undefined && s.vmid !== loc.vmid)
    out.push({ field: 'vmid', desired: s.vmid, actual: loc.vmid });
  return out;
}

export async function planConverge(
  p: Pass,
  loc: Located,
  source: string,
): Promise<{ changes: PlannedChange[]; facts: VmFacts }> {
  const s = p.spec;
  const obs = p.obs;
  // A VM migrated (HA, `qm migrate`) is managed where it now is: a node difference is reported,
  // never a reason to destroy it. It is news when first seen there, or when the spec changed.
  const moved = loc.node !== s.node;
  const movedNews = moved && (obs.node !== loc.node || obs.appliedSpecHash !== p.obj.specHash);
  obs.vmid = loc.vmid;
  obs.node = loc.node;
  delete obs.phase;
  // MACs are kept from the first read: a NIC later re-attached keeps its address.
  const seen = observedMacs(loc.read.effective);
  const macs = s.nics.map((_, i) => obs.macs?.[i] ?? seen.get(i) ?? '');
  // The MAC of a NIC pxr made and the spec dropped is kept while it exists: pxr removes it.
  const extra: string[] = [];
  for (let i = s.nics.length; i < (obs.macs?.length ?? 0); i++) {
    const mac = obs.macs?.[i];
    extra.push(mac !== undefined && mac !== '' && seen.get(i) === mac ? mac : '');
  }
  while (extra.at(-1) === '') extra.pop();
  if (macs.every((m) => m !== '')) obs.macs = [...macs, ...extra];
  reportUnmanaged(p, loc.vmid, loc.read.effective);

  const isDrift = obs.appliedSpecHash === p.obj.specHash;
  const config = configPlan(p, loc, loc.read);
  if (config.shrink.length > 0) {
    throw new TerminalError(
      'DiskShrink',
      `cannot shrink a disk of VM ${loc.vmid} (${describeFields(config.shrink)}): Proxmox can only grow disks; restore the size in git`,
    );
  }
  const replace = [...identityReplace(p, loc, source), ...config.replace];
  const recreate = replace.length > 0 && s.replacePolicy === 'recreate';
  const pending = managedPending(loc.read.pendingKeys);
  let status = loc.entryFresh && loc.entry ? loc.entry.status : undefined;
  let statusFresh = false;
  if (
    recreate ||
    status === undefined ||
    status === 'unknown' ||
    wrongState(p.spec, status) ||
    pending.length > 0
  ) {
    status = (await qemuStatus(p.sh.deps.pve, loc.node, loc.vmid)).status;
    statusFresh = true;
  }
  const password =
    s.cloudInit?.passwordFile !== undefined && s.cloudInit.passwordFile !== obs.passwordFile;
  const dropPassword = s.cloudInit?.passwordFile === undefined && obs.passwordFile !== undefined;
  const changes: PlannedChange[] = [];
  if (moved)
    changes.push({ field: 'node', desired: s.node, actual: loc.node, calls: [], drift: true });
  const replaceCalls = recreate
    ? [
        ...(status === 'running' ? [`POST ${path(loc, '/status/shutdown')}`] : []),
        `DELETE ${path(loc)}`,
      ]
    : [];
  for (const f of replace) changes.push({ ...f, calls: replaceCalls, drift: false });
  if (!recreate) {
    for (const f of config.fields) {
      const resize = /\.size$/.test(f.field);
      changes.push({
        ...f,
        calls: [resize ? `PUT ${path(loc, '/resize')}` : `PUT ${path(loc, '/config')}`],
        drift: isDrift,
      });
    }
    if (dropPassword) {
      changes.push({
        field: 'cloudInit.password',
        desired: null,
        actual: obs.passwordFile ?? null,
        calls: [`PUT ${path(loc, '/config')}`],
        drift: false,
      });
    }
    if (password) {
      // The value is a secret: the change names the file, never its content.
      changes.push({
        field: 'cloudInit.password',
        desired: s.cloudInit?.passwordFile,
        actual: obs.passwordFile ?? null,
        calls: [`PUT ${path(loc, '/config')}`],
        drift: false,
      });
    }
    changes.push(...powerChanges(s, { status, pending, isDrift, base: path(loc) }));
  }
  return {
    changes,
    facts: {
      config,
      replace,
      status,
      statusFresh,
      planned: changes.map((c) => c.field),
      isDrift,
      password,
      dropPassword,
      ...(moved ? { movedTo: loc.node } : {}),
      movedNews,
    },
  };
}

/** One digest-guarded PUT of what was admitted; re-read and re-planned once when someone edited. */
async function applyConfig(
  p: Pass,
  loc: Located,
  facts: VmFacts,
  admitted: ReadonlySet<string>,
): Promise<{ read: QemuConfigRead; keys: string[]; wrote: boolean }> {
  const { pve } = p.sh.deps;
  let read = loc.read;
  let pl = onlyFields(facts.config, (f) => admitted.has(f));
  const planned = new Set(facts.planned);
  const all = facts.isDrift && facts.planned.every((f) => admitted.has(f));
  let secret: Params = {};
  if (facts.password && admitted.has('cloudInit.password')) {
    const file = p.spec.cloudInit?.passwordFile ?? '';
    const text = await (p.sh.deps.readSecret ?? readSecretFile)(file, { private: true });
    secret = { cipassword: text.trim() };
  }
  const dropPw = facts.dropPassword && admitted.has('cloudInit.password');
  const withDrop = (x: ConfigPlan): ConfigPlan =>
    dropPw ? { ...x, delete: [...x.delete, 'cipassword'] } : x;
  pl = withDrop(pl);
  for (let attempt = 0; ; attempt++) {
    const keys = [...Object.keys(pl.set), ...pl.delete, ...Object.keys(secret)];
    if (keys.length === 0) return { read, keys, wrote: false };
    try {
      await qemuUpdateConfig(pve, loc.node, loc.vmid, {
        ...updateParams(pl, read.digest),
        ...secret,
      });
    } catch (err) {
      if (attempt === 0 && isPveApiError(err, 'DIGEST_MISMATCH')) {
        read = await qemuReadConfig(pve, loc.node, loc.vmid);
        pl = withDrop(
          onlyFields(configPlan(p, loc, read), (f) => admitted.has(f) || (all && !planned.has(f))),
        );
        p.events.push({
          type: 'Normal',
          reason: 'DigestRetry',
          message: `VM ${loc.vmid} config changed while pxr was updating it; re-read and retried`,
        });
        continue;
      }
      throw err;
    }
    p.sh.cache.touch(loc.vmid);
    const file = p.spec.cloudInit?.passwordFile;
    if (secret['cipassword'] !== undefined && file !== undefined) p.obs.passwordFile = file;
    if (dropPw) delete p.obs.passwordFile;
    const settled = pl.fields.filter((f) => !/\.size$/.test(f.field));
    const what = [
      describeFields(settled),
      ...(secret['cipassword'] !== undefined ? ['cloud-init password'] : []),
      ...(dropPw ? ['cloud-init password removed'] : []),
    ];
    p.actions.push(`updated VM ${loc.vmid}: ${what.filter((x) => x !== '').join(', ')}`);
    read = await qemuReadConfig(pve, loc.node, loc.vmid);
    return { read, keys, wrote: true };
  }
}

export async function applyConverge(
  p: Pass,
  loc: Located,
  facts: VmFacts,
  admittedPlan: AdmittedPlan,
): Promise<ObjectOutcome> {
  const { pve } = p.sh.deps;
  const s = p.spec;
  const obs = p.obs;
  const admitted = new Set(admittedPlan.changes.map((c) => c.field));
  const conditions: Cond[] = [movedCondition(s.node, loc.vmid, facts.movedTo)];
  if (facts.movedTo !== undefined && facts.movedNews) {
    p.events.push({
      type: 'Warning',
      reason: 'NodeMismatch',
      message: `${conditions[0]?.message ?? ''}`,
    });
  }
  if (facts.replace.length > 0 && s.replacePolicy === 'recreate') {
    const step = await teardownVm(p, loc.node, loc.vmid, loc.read, facts.status ?? 'unknown');
    if (step.kind === 'wait') {
      return outcome(p, {
        requeueAfterMs: p.sh.pollMs,
        notReady: { reason: 'Replacing', message: step.message },
      });
    }
    p.actions.push(
      `${step.op === 'destroy' ? 'destroying' : 'shutting down'} VM ${loc.vmid} to replace it (${describeFields(facts.replace)})`,
    );
    return {
      ...taskStarted(p, step.op, loc.node, step.upid),
      notReady: { reason: 'Replacing', message: `replacing VM ${loc.vmid}` },
    };
  }

  const applied = await applyConfig(p, loc, facts, admitted);
  if (applied.wrote) reportUnmanaged(p, loc.vmid, applied.read.effective);
  if (applied.keys.some((k) => /^net\d+$/.test(k) || /^ipconfig\d+$/.test(k))) {
    // Addresses belong to the network they were taken on: asked again after a NIC change.
    delete obs.ips;
    p.sh.agentProbes.delete(loc.vmid);
  }
  if (applied.keys.some(isCloudinitKey) && cloudinitDrive(applied.read.effective) !== undefined) {
    await qemuRegenerateCloudinit(pve, loc.node, loc.vmid);
    p.actions.push(`regenerated the cloud-init drive of VM ${loc.vmid}`);
  }

  const resize = onlyFields(facts.config, (f) => admitted.has(f)).resizes[0];
  if (resize) {
    const upid = await qemuResize(
      pve,
      loc.node,
      loc.vmid,
      resize.disk,
      resize.size,
      applied.read.digest,
    );
    p.actions.push(`resizing ${resize.disk} of VM ${loc.vmid} to ${resize.size}`);
    return taskStarted(p, 'resize', loc.node, upid);
  }

  const pending = managedPending(applied.read.pendingKeys);
  let status = facts.status;
  if (
    (!facts.statusFresh &&
      (status === undefined || status === 'unknown' || wrongState(p.spec, status))) ||
    (applied.wrote && pending.length > 0)
  ) {
    status = (await qemuStatus(pve, loc.node, loc.vmid)).status;
  }
  if (status === 'running' && pending.length > 0) {
    // Only pxr's own values are applied by a reboot: a pending hand edit (held under drift
    // policy alert) differs from the desired config and is only reported.
    const off = configPlan(p, loc, applied.read).fields.map((f) => f.field.split('.')[0]);
    const foreign = pending.filter((k) => off.includes(k));
    if (s.restartPolicy === 'onChange' && s.state === 'running' && foreign.length === 0) {
      const upid = await qemuPower(pve, loc.node, loc.vmid, 'reboot', {
        timeout: s.shutdownTimeoutSeconds,
      });
      p.actions.push(`rebooting VM ${loc.vmid} to apply pending ${pending.join(', ')}`);
      delete obs.ips;
      p.sh.agentProbes.delete(loc.vmid);
      return taskStarted(p, 'reboot', loc.node, upid);
    }
  }
  conditions.push(pendingCondition(status === 'running' ? pending : [], `VM ${loc.vmid}`));

  // Power state, when admitted (a VM stopped by hand under `alert` stays stopped).
  if (admitted.has('state') && wrongState(s, status)) {
    const r = await powerStep(s, s.shutdownTimeoutSeconds, (action, params) =>
      qemuPower(pve, loc.node, loc.vmid, action, params),
    );
    if ('upid' in r) {
      p.actions.push(`${r.op === 'start' ? 'starting' : 'shutting down'} VM ${loc.vmid}`);
      delete obs.ips;
      p.sh.agentProbes.delete(loc.vmid);
      return { ...taskStarted(p, r.op, loc.node, r.upid), conditions };
    }
    status = r.status;
  }
  obs.state = status ?? 'unknown';
  await observeIps(p, loc, obs.state);
  if (p.lan) {
    obs.dnsName = `${(s.name.split('.')[0] ?? s.name).toLowerCase()}.${p.lan.domain}`;
    if (s.expose.length > 0) obs.urls = memberUrls(s, p.lan);
    else delete obs.urls;
  } else {
    delete obs.dnsName;
    delete obs.urls;
  }

  obs.appliedSpecHash = p.obj.specHash;
  if (facts.replace.length > 0) {
    const message = `create-only field(s) changed: ${describeFields(facts.replace)}; set replacePolicy: recreate to destroy and re-create VM ${loc.vmid}, or revert the change`;
    conditions.push(replaceCondition(message));
    return outcome(p, {
      conditions,
      notReady: { reason: 'RequiresReplace', message },
      requeueAfterMs: p.sh.deps.blockedRequeueMs ?? 300_000,
    });
  }
  conditions.push(replaceCondition(undefined));
  return outcome(p, { conditions });
}

/** NICs beyond the list pxr did not make: in status, and a Warning when one appears (nicPolicy). */
function reportUnmanaged(p: Pass, vmid: number, raw: QemuConfigRead['effective']): void {
  const obs = p.obs;
  const seen = observedMacs(raw);
  const unmanaged = [...seen.keys()]
    .filter((i) => i >= p.spec.nics.length && !(obs.macs?.[i] && obs.macs[i] === seen.get(i)))
    .sort((a, b) => a - b)
    .map((i) => `net${i}`);
  const known = new Set(obs.unmanagedNics ?? []);
  const fresh = unmanaged.filter((k) => !known.has(k));
  if (fresh.length > 0 && p.spec.nicPolicy !== 'authoritative') {
    p.events.push({
      type: 'Warning',
      reason: 'UnmanagedNic',
      message: `VM ${vmid} has ${fresh.map((k) => `${k} (${String(raw[k] ?? '')})`).join(', ')}, which the spec does not list; left in place (nicPolicy: authoritative removes it)`,
    });
  }
  if (unmanaged.length > 0) obs.unmanagedNics = unmanaged;
  else delete obs.unmanagedNics;
}

/** NodeMismatch: True while the VM runs on another node than spec.node (it was migrated). */
function movedCondition(node: string, vmid: number, movedTo: string | undefined): Cond {
  return movedTo !== undefined
    ? {
        type: 'NodeMismatch',
        status: 'True',
        reason: 'Migrated',
        message: `VM ${vmid} runs on node ${movedTo}, not ${node} as the spec says (migrated?); pxr manages it where it is and never re-creates it for that: migrate it back or set node: ${movedTo}`,
      }
    : { type: 'NodeMismatch', status: 'False', reason: 'OnSpecNode', message: '' };
}

/**
 * The guest agent's IPv4 addresses (NIC order, loopback left out), asked once per start: not on every
 * sweep (the sweep stays at one read per VM), again after `agentRetryMs` while it has not answered.
 */
async function observeIps(p: Pass, loc: Located, status: string): Promise<void> {
  if (status !== 'running' || !p.spec.agent) {
    delete p.obs.ips;
    return;
  }
  if (p.obs.ips !== undefined) return;
  const now = p.sh.deps.clock.now();
  const last = p.sh.agentProbes.get(loc.vmid);
  if (last !== undefined && now - last < (p.sh.deps.agentRetryMs ?? 20_000)) return;
  try {
    const ifs = await qemuAgentInterfaces(p.sh.deps.pve, loc.node, loc.vmid);
    const ips = ifs
      .filter((i) => i.name !== 'lo')
      .flatMap((i) => (i['ip-addresses'] ?? []).filter((a) => a['ip-address-type'] === 'ipv4'))
      .map((a) => `${a['ip-address']}/${a.prefix}`);
    if (ips.length > 0) {
      p.obs.ips = ips;
      p.sh.agentProbes.delete(loc.vmid);
      return;
    }
  } catch (err) {
    // The agent answers only once the guest booted: asked again later.
    if (!isPveApiError(err)) throw err;
  }
  p.sh.agentProbes.set(loc.vmid, now);
}
