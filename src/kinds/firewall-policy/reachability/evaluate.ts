/**
 * One packet through the chains it meets between two NICs. Traffic between two guests passes the
 * source NIC's OUT chain (where ACCEPT only marks and lets it go on) and then the destination's
 * PVEFW-FWBR-IN (the cluster `blacklist` set) and IN chain; the first matching rule of a chain
 * decides, else the chain's policy. DROP and REJECT both deny.
 */
import type { IpVersion } from '../../../sim/firewall/addr.js';
import type { AddrSet } from './addresses.js';
import type { ChainRule } from './chain.js';
import type { NotFilteredReason, Outcome, Probe, Step } from './matrix.js';
import { matchesProbe } from './probes.js';
import type { Policy } from './world.js';

/** A NIC's chain in one direction, or why pve-firewall builds none. */
export interface NicChain {
  vmid: number;
  nic: string;
  /** Empty when the chain exists. */
  notFiltered: NotFilteredReason[];
  rules: ChainRule[];
  policy: Policy;
  /** Whether the policy was set in the options (else pve-firewall's default). */
  policySet: boolean;
  /** OUT only: the `ipfilter-netN` set the source address must be in. */
  ipfilter?: { name: string; set: AddrSet };
  /** IN only: the cluster `blacklist` set, checked whenever the NIC is on a firewall bridge. */
  blacklist?: AddrSet;
}

export interface Packet {
  v: IpVersion;
  src: bigint;
  dst: bigint;
  probe: Probe;
}

function chainStep(chain: NicChain, dir: 'in' | 'out', p: Packet): Step {
  const at = { chain: dir, vmid: chain.vmid, nic: chain.nic };
  if (chain.notFiltered.length > 0) {
    return { ...at, by: 'not-filtered', reasons: chain.notFiltered };
  }
  if (dir === 'out' && chain.ipfilter && !chain.ipfilter.set.contains(p.v, p.src)) {
    return {
      chain: 'out',
      vmid: chain.vmid,
      nic: chain.nic,
      by: 'ipfilter',
      ipset: chain.ipfilter.name,
    };
  }
  const hit = chain.rules.find(
    (r) =>
      matchesProbe(r, p.probe) &&
      (!r.source || r.source.contains(p.v, p.src)) &&
      (!r.dest || r.dest.contains(p.v, p.dst)),
  );
  if (hit) return { ...at, by: 'rule', rule: hit.ref, action: hit.action };
  return { ...at, by: 'policy', policy: chain.policy, set: chain.policySet };
}

function denies(step: Step): boolean {
  switch (step.by) {
    case 'rule':
      return step.action !== 'ACCEPT';
    case 'policy':
      return step.policy !== 'ACCEPT';
    case 'not-filtered':
      return false;
    default:
      return true;
  }
}

/** `out` is the source guest NIC's chain, absent when the source is not a guest. */
export function evaluate(out: NicChain | undefined, into: NicChain, p: Packet): Outcome {
  const steps: Step[] = [];
  if (out) {
    const step = chainStep(out, 'out', p);
    steps.push(step);
    if (denies(step)) return { verdict: 'deny', steps };
  }
  if (into.blacklist?.contains(p.v, p.src)) {
    steps.push({ chain: 'in', vmid: into.vmid, nic: into.nic, by: 'blacklist' });
    return { verdict: 'deny', steps };
  }
  const step = chainStep(into, 'in', p);
  steps.push(step);
  return { verdict: denies(step) ? 'deny' : 'allow', steps };
}
