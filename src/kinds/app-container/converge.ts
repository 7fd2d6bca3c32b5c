/**
 * Converging a container that exists and is ours: compare the normalised config (pending-merged)
 * with the spec, apply the difference with ONE digest-guarded `PUT /config` (re-read and re-planned
 * once when someone edited in between), grow disks through `PUT /resize` tasks, surface pending
 * changes (`PendingRestart`, or a reboot under `restartPolicy: onChange`), refuse impossible changes
 * (shrink: terminal; create-only fields: `RequiresReplace`), then match the power state.
 */
import { isFieldIgnored } from '../../core/drift-policy.js';
import { TerminalError } from '../../core/errors.js';
import type { Condition, DriftItem, ObjectOutcome } from '../../core/kind.js';
import { isPveApiError } from '../../pve/errors.js';
import {
  lxcInterfaces,
  lxcPower,
  lxcReadConfig,
  lxcResize,
  lxcStatus,
  lxcUpdateConfig,
  type LxcConfigRead,
} from '../../pve/lxc.js';
import type { Params } from '../../pve/types.js';
import {
  describeFields,
  isEmptyPlan,
  planChanges,
  withoutIgnored,
  type ConfigPlan,
  type FieldChange,
} from './diff.js';
import {
  desiredConfig,
  desiredDisks,
  desiredNet,
  desiredNet1,
  MANAGED_KEYS,
  observedState,
} from './normalize.js';
import type { GuestEntry } from './observe-cache.js';
import { parseProps } from './propstring.js';
import { memberHost, memberIp, memberUrls } from './appliance-join.js';
import { teardownStep } from './teardown.js';
import {
  alreadyInState,
  checkBridge,
  outcome,
  specBridge,
  taskStarted,
  type Pass,
} from './pass.js';

export interface Located {
  vmid: number;
  node: string;
  entry: GuestEntry | undefined;
  /** Whether `entry` was read after pxr last changed this container. */
  entryFresh: boolean;
  read: LxcConfigRead;
}

type Cond = Omit<Condition, 'lastTransitionTime'>;

function plan(p: Pass, read: LxcConfigRead): ConfigPlan {
  const s = p.spec;
  const withMac = p.obs.mac !== undefined;
  const bridge = specBridge(s);
  const desired = {
    config: desiredConfig(s, p.obj.uid, bridge, p.obs.mac),
    ...desiredDisks(s),
    unprivileged: s.unprivileged ? (1 as const) : (0 as const),
  };
  const actual = observedState(read.effective, withMac);
  // Without a second NIC in the spec, net1 is not pxr's business.
  if (!s.net1) actual.config.net1 = '';
  const mac1 = parseProps(read.effective['net1'])['hwaddr'];
  return planChanges(desired, actual, {
    net0: desiredNet(s, bridge, p.obs.mac),
    ...(s.net1 ? { net1: desiredNet1(s, mac1) } : {}),
  });
}

/** Create-only differences the config plan cannot see (template, node, vmid). */
function identityReplace(p: Pass, loc: Located): FieldChange[] {
  const s = p.spec;
  const out: FieldChange[] = [];
  if (p.obs.template !== undefined && p.obs.template !== s.template)
    out.push({ field: 'template', desired: s.template, actual: p.obs.template });
  if (loc.node !== s.node) out.push({ field: 'node', desired: s.node, actual: loc.node });
  if (s.vmid !== undefined && s.vmid !== loc.vmid)
    out.push({ field: 'vmid', desired: s.vmid, actual: loc.vmid });
  return out;
}

function updateParams(pl: ConfigPlan, digest: string): Params {
  const params: Params = { ...pl.set };
  if (pl.delete.length > 0) params['delete'] = pl.delete.join(',');
  if (digest) params['digest'] = digest;
  return params;
}

/** Applies the config part of the plan; returns the fresh read afterwards (or the same one). */
async function applyConfig(
  p: Pass,
  loc: Located,
  alert: boolean,
): Promise<{
  read: LxcConfigRead;
  plan: ConfigPlan;
  drift: FieldChange[];
}> {
  const { pve } = p.sh.deps;
  const isDrift = p.obs.appliedSpecHash === p.obj.specHash;
  // Fields the object says to ignore are neither reported (the runtime drops them) nor corrected.
  const ignoreFields = isDrift ? ignoredFields(p) : [];
  let read = loc.read;
  let pl = withoutIgnored(plan(p, read), ignoreFields);
  const drift: FieldChange[] = [];
  for (let attempt = 0; ; attempt++) {
    const settable = Object.keys(pl.set).length > 0 || pl.delete.length > 0;
    if (isDrift && attempt === 0) drift.push(...pl.fields);
    if (!settable || (isDrift && alert)) return { read, plan: pl, drift };
    try {
      await lxcUpdateConfig(pve, loc.node, loc.vmid, updateParams(pl, read.digest));
    } catch (err) {
      // Someone edited between our read and our write: read again and apply what is still needed.
      if (attempt === 0 && isPveApiError(err, 'DIGEST_MISMATCH')) {
        read = await lxcReadConfig(pve, loc.node, loc.vmid);
        pl = withoutIgnored(plan(p, read), ignoreFields);
        p.events.push({
          type: 'Normal',
          reason: 'DigestRetry',
          message: `CT ${loc.vmid} config changed while pxr was updating it; re-read and retried`,
        });
        continue;
      }
      throw err;
    }
    p.sh.cache.touch(loc.vmid);
    const settled = pl.fields.filter((f) => !/\.size$/.test(f.field));
    p.actions.push(`updated CT ${loc.vmid}: ${describeFields(settled)}`);
    read = await lxcReadConfig(pve, loc.node, loc.vmid);
    return { read, plan: { ...pl, set: {}, delete: [] }, drift };
  }
}

function ignoredFields(p: Pass): readonly string[] {
  return p.ctx.driftSettings?.(p.obj.name).ignoreFields ?? [];
}

function pendingManaged(read: LxcConfigRead, withNet1: boolean): string[] {
  const managed = new Set<string>(MANAGED_KEYS);
  if (!withNet1) managed.delete('net1');
  return read.pendingKeys.filter((k) => managed.has(k) || /^(mp\d+|rootfs)$/.test(k));
}

function toDrift(items: readonly FieldChange[]): DriftItem[] {
  return items.map((f) => ({ field: f.field, desired: f.desired, actual: f.actual }));
}

export async function convergeExisting(p: Pass, loc: Located): Promise<ObjectOutcome> {
  const { pve } = p.sh.deps;
  const s = p.spec;
  const obs = p.obs;
  obs.vmid = loc.vmid;
  obs.node = loc.node;
  delete obs.phase;
  const seen = observedState(loc.read.effective, true);
  if (obs.mac === undefined && seen.mac !== undefined) obs.mac = seen.mac;

  // `alert` and `ignore` both leave a drifted container alone (the runtime drops ignored drift).
  const alert = p.ctx.driftPolicy !== 'correct';
  const isDrift = obs.appliedSpecHash === p.obj.specHash;
  const first = plan(p, loc.read);
  if (first.shrink.length > 0) {
    throw new TerminalError(
      'DiskShrink',
      `cannot shrink a disk of CT ${loc.vmid} (${describeFields(first.shrink)}): Proxmox can only grow disks; restore the size in git`,
    );
  }
  const replace = [...identityReplace(p, loc), ...first.replace];
  const conditions: Cond[] = [];
  if (replace.length > 0 && s.replacePolicy === 'recreate') {
    const status = (await lxcStatus(pve, loc.node, loc.vmid)).status;
    const step = await teardownStep(pve, {
      node: loc.node,
      vmid: loc.vmid,
      uid: p.obj.uid,
      read: loc.read,
      status,
      timeoutS: s.shutdownTimeoutSeconds,
    });
    if (step.kind === 'wait') {
      return outcome(p, {
        requeueAfterMs: p.sh.pollMs,
        notReady: { reason: 'Replacing', message: step.message },
      });
    }
    p.actions.push(
      `${step.op === 'destroy' ? 'destroying' : 'shutting down'} CT ${loc.vmid} to replace it (${describeFields(replace)})`,
    );
    return {
      ...taskStarted(p, step.op, loc.node, step.upid),
      notReady: { reason: 'Replacing', message: `replacing CT ${loc.vmid}` },
    };
  }

  const applied = await applyConfig(p, loc, alert);
  const drift = [...applied.drift];

  // Disks grow one task at a time; the next pass plans the rest.
  const resize = applied.plan.resizes[0];
  if (resize && !(isDrift && alert)) {
    const upid = await lxcResize(
      pve,
      loc.node,
      loc.vmid,
      resize.disk,
      resize.size,
      applied.read.digest,
    );
    p.actions.push(`resizing ${resize.disk} of CT ${loc.vmid} to ${resize.size}`);
    return { ...taskStarted(p, 'resize', loc.node, upid), ...driftOut(drift, !alert) };
  }

  const pending = pendingManaged(applied.read, s.net1 !== undefined);
  let status = loc.entryFresh && loc.entry ? loc.entry.status : undefined;
  // The shared list may be seconds old: before acting on it (or calling it drift), ask again.
  const wrong = (st: string | undefined): boolean =>
    s.state === 'running' ? st !== 'running' : st === 'running';
  if (status === undefined || status === 'unknown' || wrong(status) || pending.length > 0) {
    status = (await lxcStatus(pve, loc.node, loc.vmid)).status;
  }
  if (status === 'running' && pending.length > 0) {
    if (s.restartPolicy === 'onChange' && s.state === 'running') {
      const upid = await lxcPower(pve, loc.node, loc.vmid, 'reboot', {
        timeout: s.shutdownTimeoutSeconds,
      });
      p.actions.push(`rebooting CT ${loc.vmid} to apply pending ${pending.join(', ')}`);
      delete obs.ip;
      p.sh.ipProbes.delete(loc.vmid);
      return { ...taskStarted(p, 'reboot', loc.node, upid), ...driftOut(drift, !alert) };
    }
    conditions.push({
      type: 'PendingRestart',
      status: 'True',
      reason: 'PendingChanges',
      message: `changes wait for a restart of CT ${loc.vmid}: ${pending.join(', ')}`,
    });
  } else {
    conditions.push({
      type: 'PendingRestart',
      status: 'False',
      reason: 'NoPendingChanges',
      message: '',
    });
  }

  // Power state. A container stopped (or started) by hand is drift once we had converged.
  const leaveState = isDrift && (alert || isFieldIgnored('state', ignoredFields(p)));
  if (s.state === 'running' && status !== 'running') {
    if (isDrift) drift.push({ field: 'state', desired: 'running', actual: status });
    if (!leaveState) {
      const br = await checkBridge(p);
      if (!br.ok) {
        return outcome(p, {
          notReady: { reason: 'DependencyNotReady', message: br.message },
          conditions,
          ...driftOut(drift, false),
        });
      }
      try {
        const upid = await lxcPower(pve, loc.node, loc.vmid, 'start');
        p.actions.push(`starting CT ${loc.vmid}`);
        delete obs.ip;
        p.sh.ipProbes.delete(loc.vmid);
        return { ...taskStarted(p, 'start', loc.node, upid), conditions, ...driftOut(drift, true) };
      } catch (err) {
        if (!alreadyInState(err)) throw err;
        status = 'running';
      }
    }
  } else if (s.state === 'stopped' && status === 'running') {
    if (isDrift) drift.push({ field: 'state', desired: 'stopped', actual: status });
    if (!leaveState) {
      try {
        const upid = await lxcPower(pve, loc.node, loc.vmid, 'shutdown', {
          timeout: s.shutdownTimeoutSeconds,
          forceStop: 1,
        });
        p.actions.push(`shutting down CT ${loc.vmid}`);
        return {
          ...taskStarted(p, 'shutdown', loc.node, upid),
          conditions,
          ...driftOut(drift, true),
        };
      } catch (err) {
        if (!alreadyInState(err)) throw err;
        status = 'stopped';
      }
    }
  }
  obs.state = status;
  await observeIp(p, loc, status);

  if (replace.length > 0) {
    const message = `create-only field(s) changed: ${describeFields(replace)}; set replacePolicy: recreate to destroy and re-create CT ${loc.vmid}, or revert the change`;
    conditions.push({
      type: 'RequiresReplace',
      status: 'True',
      reason: 'CreateOnlyFieldChanged',
      message,
    });
    obs.appliedSpecHash = p.obj.specHash;
    return outcome(p, {
      conditions,
      notReady: { reason: 'RequiresReplace', message },
      requeueAfterMs: p.sh.deps.blockedRequeueMs ?? 300_000,
      ...driftOut(drift, !alert),
    });
  }
  conditions.push({
    type: 'RequiresReplace',
    status: 'False',
    reason: 'NoReplaceNeeded',
    message: '',
  });
  if (!(isDrift && alert && !isEmptyPlan(applied.plan))) obs.appliedSpecHash = p.obj.specHash;
  return outcome(p, { conditions, ...driftOut(drift, !alert) });
}

function driftOut(items: readonly FieldChange[], corrected: boolean): Partial<ObjectOutcome> {
  if (items.length === 0) return {};
  return { drift: toDrift(items), driftCorrected: corrected };
}

/** eth0's address: the static one from the spec, or the lease read once per start. */
async function observeIp(p: Pass, loc: Located, status: string): Promise<void> {
  const s = p.spec;
  if (s.appliance !== undefined && p.lan) {
    p.obs.dnsName = `${memberHost(s)}.${p.lan.domain}`;
    if (s.expose.length > 0) p.obs.urls = memberUrls(s, p.lan);
    else delete p.obs.urls;
    // The appliance re-renders when this member's status changes (its watch on AppContainer).
    const appliance = p.ctx.getStatus({ kind: 'Appliance', name: s.appliance });
    const ip = memberIp(s, p.obs.mac, appliance);
    if (ip !== undefined) {
      p.obs.ip = ip;
      return;
    }
  }
  if (s.ip !== 'dhcp') {
    p.obs.ip = s.ip;
    return;
  }
  if (status !== 'running') {
    delete p.obs.ip;
    return;
  }
  if (p.obs.ip !== undefined) return;
  // No lease yet: ask again later, not on every sweep (the sweep stays at one read per container).
  const now = p.sh.deps.clock.now();
  const last = p.sh.ipProbes.get(loc.vmid);
  if (last !== undefined && now - last < (p.sh.deps.ipRetryMs ?? 600_000)) return;
  const ifs = await lxcInterfaces(p.sh.deps.pve, loc.node, loc.vmid);
  const eth0 = ifs?.find((i) => i.name === 'eth0');
  if (eth0?.inet) {
    p.obs.ip = eth0.inet;
    p.sh.ipProbes.delete(loc.vmid);
  } else {
    p.sh.ipProbes.set(loc.vmid, now);
  }
}
