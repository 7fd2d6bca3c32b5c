/**
 * A container that exists and is ours, in two steps. `planConverge` (read-only) compares the
 * normalised config (pending-merged) with the spec and lists every difference as a planned change:
 * config fields (ONE `PUT /config`), disk growth (`PUT /resize`), create-only fields (replacement),
 * pending changes waiting for a reboot, and the power state (NIC MACs, unmanaged NICs and addresses:
 * nic-state.ts). `applyConverge` carries out only what
 * the runtime admitted: the digest-guarded PUT (re-read and re-planned once when someone edited in
 * between), one resize task, a reboot under `restartPolicy: onChange`, start/shutdown; it refuses
 * impossible changes (shrink: terminal; create-only fields: `RequiresReplace`).
 */
import { asRecord } from '../../core/records.js';
import { TerminalError } from '../../core/errors.js';
import type { AdmittedPlan, Condition, ObjectOutcome, PlannedChange } from '../../core/kind.js';
import { isPveApiError } from '../../pve/errors.js';
import {
  lxcPower,
  lxcReadConfig,
  lxcResize,
  lxcStatus,
  lxcUpdateConfig,
  type LxcConfigRead,
} from '../../pve/lxc.js';
import {
  pendingCondition,
  powerChanges,
  powerStep,
  replaceCondition,
  updateParams,
  wrongState,
} from './guest-changes.js';
import {
  describeFields,
  onlyFields,
  planChanges,
  type ConfigPlan,
  type FieldChange,
} from './diff.js';
import {
  desiredConfig,
  desiredDisks,
  desiredNets,
  MANAGED_KEYS,
  observedState,
} from './normalize.js';
import { recordedMac } from './observed.js';
import {
  forgetIps,
  macOf,
  observeIp,
  recordMacs,
  reportUnmanaged,
  unmanagedNics,
} from './nic-state.js';
import { nicIndex } from '../guest-nics/nics.js';
import { specAliases } from './spec-names.js';
import { teardownStep } from './teardown.js';
import { checkBridge, outcome, taskStarted, type Pass } from './pass.js';
import type { ConvergeFacts, Located } from './plan-state.js';

export type { Located } from './plan-state.js';

type Cond = Omit<Condition, 'lastTransitionTime'>;

function plan(p: Pass, read: LxcConfigRead): ConfigPlan {
  const s = p.spec;
  const mac = macOf(p);
  const desired = {
    config: desiredConfig(s, p.obj.uid, mac),
    ...desiredDisks(s),
    unprivileged: s.unprivileged ? (1 as const) : (0 as const),
  };
  const actual = observedState(read.effective, (i) => recordedMac(p.obs, i) !== undefined);
  // A NIC pxr does not manage stays as it is (reported) unless the spec is authoritative over NICs.
  if (s.nicPolicy !== 'authoritative')
    for (const k of unmanagedNics(p, actual.config)) delete actual.config[k];
  return planChanges(desired, actual, desiredNets(s, mac));
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

function pendingManaged(p: Pass, read: LxcConfigRead): string[] {
  const managed = new Set<string>(MANAGED_KEYS);
  const allNics = p.spec.nicPolicy === 'authoritative';
  const nic = (k: string): boolean => {
    const i = nicIndex(k);
    return (
      i !== undefined && (allNics || i < p.spec.nics.length || recordedMac(p.obs, i) !== undefined)
    );
  };
  return read.pendingKeys.filter((k) => managed.has(k) || nic(k) || /^(mp\d+|rootfs)$/.test(k));
}

const path = (loc: Located, tail = ''): string => `/nodes/${loc.node}/lxc/${loc.vmid}${tail}`;

/** Reads nothing but the power state (when the shared list may be stale) and plans. */
export async function planConverge(
  p: Pass,
  loc: Located,
): Promise<{ changes: PlannedChange[]; facts: ConvergeFacts }> {
  const s = p.spec;
  const obs = p.obs;
  obs.vmid = loc.vmid;
  obs.node = loc.node;
  delete obs.phase;
  recordMacs(p, loc.read);
  reportUnmanaged(p, loc);

  const isDrift = obs.appliedSpecHash === p.obj.specHash;
  const config = plan(p, loc.read);
  if (config.shrink.length > 0) {
    throw new TerminalError(
      'DiskShrink',
      `cannot shrink a disk of CT ${loc.vmid} (${describeFields(config.shrink)}): Proxmox can only grow disks; restore the size in git`,
    );
  }
  const replace = [...identityReplace(p, loc), ...config.replace];
  const recreate = replace.length > 0 && s.replacePolicy === 'recreate';
  const pending = pendingManaged(p, loc.read);
  let status = loc.entryFresh && loc.entry ? loc.entry.status : undefined;
  let statusFresh = false;
  // The shared list may be seconds old: before acting on it (or calling it drift), ask again; a
  // destructive act (replacement) always asks.
  if (
    recreate ||
    status === undefined ||
    status === 'unknown' ||
    wrongState(p.spec, status) ||
    pending.length > 0
  ) {
    status = (await lxcStatus(p.sh.deps.pve, loc.node, loc.vmid)).status;
    statusFresh = true;
  }
  const changes: PlannedChange[] = [];
  const replaceCalls = recreate
    ? [
        ...(status === 'running' ? [`POST ${path(loc, '/status/shutdown')}`] : []),
        `DELETE ${path(loc)}`,
        `POST /nodes/${s.node}/lxc`,
      ]
    : [];
  // Create-only fields are spec changes: without `recreate` they only raise RequiresReplace.
  for (const f of replace) changes.push({ ...f, calls: replaceCalls, drift: false });
  if (!recreate) {
    for (const f of config.fields) {
      const resize = /\.size$/.test(f.field);
      // Spec paths are the AppContainer's; another kind's container (Appliance) names them its way.
      const aliases =
        p.obj.kind === 'AppContainer' ? specAliases(f.field, asRecord(p.obj.spec)) : undefined;
      changes.push({
        ...f,
        calls: [resize ? `PUT ${path(loc, '/resize')}` : `PUT ${path(loc, '/config')}`],
        ...(aliases ? { aliases } : {}),
        drift: isDrift,
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
    },
  };
}

/**
 * Applies the admitted config fields with one PUT; returns the fresh read afterwards (or the same
 * one). On a digest mismatch the config is read again and re-planned once, kept to what was
 * admitted: a difference that appeared meanwhile joins only when every difference of this pass was
 * drift the runtime admitted (policy `correct`, nothing ignored); else the next pass plans it.
 */
async function applyConfig(
  p: Pass,
  loc: Located,
  facts: ConvergeFacts,
  admitted: ReadonlySet<string>,
): Promise<{ read: LxcConfigRead; plan: ConfigPlan; wrote: boolean }> {
  const { pve } = p.sh.deps;
  let read = loc.read;
  let pl = onlyFields(facts.config, (f) => admitted.has(f));
  const planned = new Set(facts.planned);
  const all = facts.isDrift && facts.planned.every((f) => admitted.has(f));
  for (let attempt = 0; ; attempt++) {
    const settable = Object.keys(pl.set).length > 0 || pl.delete.length > 0;
    if (!settable) return { read, plan: pl, wrote: false };
    try {
      await lxcUpdateConfig(pve, loc.node, loc.vmid, updateParams(pl, read.digest));
    } catch (err) {
      // Someone edited between our read and our write: read again and apply what is still needed.
      if (attempt === 0 && isPveApiError(err, 'DIGEST_MISMATCH')) {
        read = await lxcReadConfig(pve, loc.node, loc.vmid);
        pl = onlyFields(plan(p, read), (f) => admitted.has(f) || (all && !planned.has(f)));
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
    return { read, plan: { ...pl, set: {}, delete: [] }, wrote: true };
  }
}

export async function applyConverge(
  p: Pass,
  loc: Located,
  facts: ConvergeFacts,
  admittedPlan: AdmittedPlan,
): Promise<ObjectOutcome> {
  const { pve } = p.sh.deps;
  const s = p.spec;
  const obs = p.obs;
  const admitted = new Set(admittedPlan.changes.map((c) => c.field));
  const replace = facts.replace;
  const conditions: Cond[] = [];
  if (replace.length > 0 && s.replacePolicy === 'recreate') {
    const step = await teardownStep(pve, {
      node: loc.node,
      vmid: loc.vmid,
      uid: p.obj.uid,
      read: loc.read,
      status: facts.status ?? 'unknown',
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

  const applied = await applyConfig(p, loc, facts, admitted);
  if (applied.wrote) recordMacs(p, applied.read);

  // Disks grow one task at a time; the next pass plans the rest.
  const resize = applied.plan.resizes[0];
  if (resize) {
    const upid = await lxcResize(
      pve,
      loc.node,
      loc.vmid,
      resize.disk,
      resize.size,
      applied.read.digest,
    );
    p.actions.push(`resizing ${resize.disk} of CT ${loc.vmid} to ${resize.size}`);
    return taskStarted(p, 'resize', loc.node, upid);
  }

  const pending = pendingManaged(p, applied.read);
  let status = facts.status;
  // A PUT may have left pending changes: the power state then matters, asked fresh.
  if (
    (!facts.statusFresh &&
      (status === undefined || status === 'unknown' || wrongState(p.spec, status))) ||
    (applied.wrote && pending.length > 0)
  ) {
    status = (await lxcStatus(pve, loc.node, loc.vmid)).status;
  }
  if (status === 'running' && pending.length > 0) {
    if (s.restartPolicy === 'onChange' && s.state === 'running') {
      const upid = await lxcPower(pve, loc.node, loc.vmid, 'reboot', {
        timeout: s.shutdownTimeoutSeconds,
      });
      p.actions.push(`rebooting CT ${loc.vmid} to apply pending ${pending.join(', ')}`);
      forgetIps(p, loc.vmid);
      return taskStarted(p, 'reboot', loc.node, upid);
    }
  }
  conditions.push(pendingCondition(status === 'running' ? pending : [], `CT ${loc.vmid}`));

  // Power state, when admitted (a container stopped by hand under `alert` stays stopped).
  if (admitted.has('state') && wrongState(p.spec, status)) {
    if (s.state === 'running') {
      const br = await checkBridge(p);
      if (!br.ok) {
        return outcome(p, {
          notReady: { reason: 'DependencyNotReady', message: br.message },
          conditions,
          driftCorrected: false,
        });
      }
    }
    const r = await powerStep(s, s.shutdownTimeoutSeconds, (action, params) =>
      lxcPower(pve, loc.node, loc.vmid, action, params),
    );
    if ('upid' in r) {
      p.actions.push(`${r.op === 'start' ? 'starting' : 'shutting down'} CT ${loc.vmid}`);
      if (r.op === 'start') forgetIps(p, loc.vmid);
      return { ...taskStarted(p, r.op, loc.node, r.upid), conditions };
    }
    status = r.status;
  }
  obs.state = status ?? 'unknown';
  // The config as it now is: a net0 moved by this pass's PUT has its lease read on the new network.
  await observeIp(p, { ...loc, read: applied.read }, obs.state);

  obs.appliedSpecHash = p.obj.specHash;
  if (replace.length > 0) {
    const message = `create-only field(s) changed: ${describeFields(replace)}; set replacePolicy: recreate to destroy and re-create CT ${loc.vmid}, or revert the change`;
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
