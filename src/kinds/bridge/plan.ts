/**
 * Pure planning of one Bridge against the node's network list: ownership, the changes to stage, and
 * whether differences are drift (found on an object that had converged). The drift policy is not
 * applied here: the runtime admits the plan (core/admit.ts) and `restrictToAdmitted` keeps what it
 * let through.
 *
 * Ownership: pxr manages a bridge it created or adopted (`adopt: true`). The write-ahead inventory
 * (claimed before the create call, bound to the object's uid) says so even after a crash between
 * the create and the status write; `owned` + `ownerUid` in `observed` (the record before the
 * inventory existed) is still honoured. An existing interface of the same name that pxr does not
 * own is never touched: the object stalls with `NotOwned` until the spec opts into adoption.
 */
import type { PlannedChange, StoredObject } from '../../core/kind.js';
import { isFieldIgnored } from '../../core/drift-policy.js';
import { TerminalError } from '../../core/errors.js';
import type { ResourceRef } from '../../core/ownership.js';
import type { NetworkIface } from '../../pve/types.js';
import { diffBridge, type BridgeChange, type BridgeField } from './diff.js';
import {
  isManagedType,
  isVlanSpec,
  normalizeObserved,
  normalizeSpec,
  type BridgeState,
} from './normalize.js';
import type { BridgeSpec } from './spec.js';

/** What pxr keeps in status for a Bridge (stable across converged passes: no timestamps). */
export interface BridgeObserved {
  node?: string;
  iface?: string;
  owned?: boolean;
  ownerUid?: string;
  adopted?: boolean;
  /** The network apply task in flight, polled on the next pass. */
  applyUpid?: string;
  [key: string]: unknown;
}

/** Spec names of the API fields, so `pxr/drift-ignore: ports` works as well as `bridge_ports`. */
const SPEC_NAME: Record<BridgeField, string> = {
  vlan_raw_device: 'vlan.device',
  vlan_id: 'vlan.id',
  bridge_ports: 'ports',
  cidr: 'cidr',
  gateway: 'gateway',
  bridge_vlan_aware: 'vlanAware',
  bridge_vids: 'vids',
  mtu: 'mtu',
  autostart: 'autostart',
  comments: 'comment',
};

export interface BridgePlan {
  name: string;
  /** Set when the object cannot be planned (not a bridge, not owned...). */
  error?: Error;
  /** Changes to stage, in order (a rename deletes the old interface first). */
  changes: BridgeChange[];
  /** Differences are drift: the object had converged and the bridge is ours. */
  isDrift: boolean;
  desired?: BridgeState;
  /** The bridge as read (undefined: absent). */
  actual?: BridgeState;
  observed: BridgeObserved;
  events: { type: 'Normal' | 'Warning'; reason: string; message: string }[];
  /** Inventory records to drop: the bridge is confirmed absent, or left behind on another node. */
  release: ResourceRef[];
}

export interface PlanInput {
  obj: StoredObject<BridgeSpec>;
  prev: BridgeObserved;
  /** observedGeneration === generation: differences now are drift, not a pending spec change. */
  converged: boolean;
  /** The object's bridge records in the inventory (every node). */
  inventory?: readonly ResourceRef[];
}

/** Whether `pxr/drift-ignore` names this field, by its API or its spec name. */
export function isBridgeFieldIgnored(field: BridgeField, ignoreFields: readonly string[]): boolean {
  return isFieldIgnored(field, ignoreFields) || isFieldIgnored(SPEC_NAME[field], ignoreFields);
}

export function planBridge(
  input: PlanInput,
  ifaces: ReadonlyMap<string, NetworkIface>,
): BridgePlan {
  const { obj, prev } = input;
  const { node, iface } = obj.spec;
  const plan: BridgePlan = {
    name: obj.name,
    changes: [],
    isDrift: false,
    observed: { node, iface },
    events: [],
    release: [],
  };
  const item = ifaces.get(iface);
  const want = isVlanSpec(obj.spec) ? 'vlan' : 'bridge';
  if (item && item.type !== want) {
    plan.error = new TerminalError(
      want === 'bridge' ? 'NotABridge' : 'NotAVlan',
      `${iface} on ${node} exists and is a ${item.type}, not a ${want === 'bridge' ? 'bridge' : 'VLAN interface'}; choose another iface`,
      { context: { node, iface, type: item.type } },
    );
    return plan;
  }
  const inventory = input.inventory ?? [];
  const legacy = prev.owned === true && prev.ownerUid === obj.uid;
  const ownsThis =
    (legacy && prev.iface === iface && prev.node === node) ||
    inventory.some((r) => r.node === node && r.resourceId === iface);
  if (item && !ownsThis) {
    if (!obj.spec.adopt) {
      plan.error = new TerminalError(
        'NotOwned',
        `bridge ${iface} already exists on ${node} and was not created by pxr; set spec.adopt: true to manage it`,
        { context: { node, iface } },
      );
      return plan;
    }
    plan.events.push({
      type: 'Normal',
      reason: 'Adopted',
      message: `adopted existing bridge ${iface} on ${node}`,
    });
  }
  plan.observed = {
    node,
    iface,
    owned: true,
    ownerUid: obj.uid,
    ...((item && !ownsThis) || prev.adopted ? { adopted: true } : {}),
  };

  // Everything else the object owns: the legacy record plus the inventory, once each.
  const others = new Map<string, ResourceRef>();
  const add = (r: ResourceRef): void => {
    if (r.node !== node || r.resourceId !== iface) others.set(`${r.resourceId}@${r.node}`, r);
  };
  if (legacy && prev.node && prev.iface)
    add({ resourceType: 'bridge', node: prev.node, resourceId: prev.iface });
  for (const r of inventory) add(r);
  for (const r of others.values()) {
    if (r.node !== node) {
      // Moved to another node: that node's network is another group's pass, so the old bridge is
      // left in place — said once, loudly (its record is released), rather than deleted.
      plan.events.push({
        type: 'Warning',
        reason: 'LeftBehind',
        message: `bridge ${r.resourceId} on ${r.node} is no longer managed (spec.node changed to ${node}); remove it by hand if unused`,
      });
      plan.release.push(r);
      continue;
    }
    // A renamed iface on the same node: the old bridge is ours, remove it with the same apply;
    // its record goes once a later read confirms it absent.
    const old = ifaces.get(r.resourceId);
    if (old && isManagedType(old.type)) {
      plan.changes.push({
        op: 'delete',
        iface: r.resourceId,
        fields: [],
        params: { type: old.type },
      });
    } else if (!old) {
      plan.release.push(r);
    }
  }

  const desired = normalizeSpec(obj.spec);
  const actual: BridgeState | undefined = item ? normalizeObserved(item) : undefined;
  plan.desired = desired;
  if (actual) plan.actual = actual;
  plan.isDrift = input.converged && ownsThis;
  const c = diffBridge(desired, actual);
  if (c) plan.changes.push(c);
  return plan;
}

/** The plan as the runtime sees it: one change per field (`exists` for a create). */
export function plannedChanges(plan: BridgePlan, node: string): PlannedChange[] {
  const reload = `PUT /nodes/${node}/network (reload)`;
  const args = (c: BridgeChange): string =>
    Object.entries(c.params)
      .map(([k, v]) => ` ${k}=${String(v)}`)
      .join('');
  const out: PlannedChange[] = [];
  for (const c of plan.changes) {
    if (c.op === 'delete') {
      out.push({
        field: 'iface',
        desired: plan.desired?.iface,
        actual: c.iface,
        calls: [`DELETE /nodes/${node}/network/${c.iface}`, reload],
        drift: false,
      });
    } else if (c.op === 'create') {
      out.push({
        field: 'exists',
        desired: true,
        actual: false,
        calls: [`POST /nodes/${node}/network iface=${c.iface}${args(c)}`, reload],
        drift: plan.isDrift,
      });
    } else {
      for (const f of c.fields) {
        out.push({
          // The Proxmox key, as drift has always been recorded (alert keys stay stable).
          field: f.field,
          aliases: [SPEC_NAME[f.field]],
          desired: f.desired,
          actual: f.actual,
          calls: [`PUT /nodes/${node}/network/${c.iface}${args(c)}`, reload],
          drift: plan.isDrift,
        });
      }
    }
  }
  return out;
}

/**
 * The changes to stage once the runtime admitted `fields` (Proxmox keys, `exists`, `iface`): a field held back or
 * ignored keeps its actual value, so the PUT (which carries every field) preserves it.
 */
export function restrictToAdmitted(plan: BridgePlan, fields: ReadonlySet<string>): BridgeChange[] {
  const out: BridgeChange[] = [];
  for (const c of plan.changes) {
    if (c.op === 'delete') {
      if (fields.has('iface')) out.push(c);
    } else if (c.op === 'create') {
      if (fields.has('exists')) out.push(c);
    } else {
      const { desired, actual } = plan;
      if (!desired || !actual) continue;
      const target: BridgeState = { ...desired };
      for (const f of Object.keys(SPEC_NAME) as BridgeField[]) {
        if (!fields.has(f)) (target as unknown as Record<string, unknown>)[f] = actual[f];
      }
      const narrowed = diffBridge(target, actual);
      if (narrowed) out.push(narrowed);
    }
  }
  return out;
}
