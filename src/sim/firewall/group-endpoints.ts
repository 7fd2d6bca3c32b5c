/**
 * Security groups (pve-firewall Groups.pm and the group part of Rules.pm): list, create/rename,
 * delete. A rename rewrites every `group` rule that references the old name, cluster-wide.
 */
import {
  die,
  paramError,
  type EndpointDef,
  type RequestContext,
  type SimContext,
} from '../types.js';
import type { FwRule } from './state.js';
import { copyListWithDigest, digestMatches, MODIFIED_MESSAGE } from './digest.js';
import { clusterModify } from './scope.js';
import { commentParam, digestParam, groupNameParam } from './params.js';
import { groupRuleScope, ruleEndpoints } from './rule-endpoints.js';

function groupList(sim: SimContext): ReturnType<typeof copyListWithDigest> {
  const groups = sim.state.firewall.groups;
  const entries = Object.keys(groups)
    .sort()
    .map((group) => {
      const comment = groups[group]?.comment;
      return comment ? { group, comment } : { group };
    });
  return copyListWithDigest(entries);
}

function renameReferences(rules: FwRule[], from: string, to: string): void {
  for (const r of rules) if (r.type === 'group' && r.action === from) r.action = to;
}

/** Points every `group` rule of the cluster, the nodes and the guests at the renamed group. */
function renameEverywhere(sim: SimContext, from: string, to: string): void {
  renameReferences(sim.state.firewall.rules, from, to);
  for (const node of Object.values(sim.state.nodes)) {
    renameReferences(node.firewall.rules, from, to);
    for (const guest of Object.values(node.guestFirewall)) renameReferences(guest.rules, from, to);
  }
}

function createOrRename(sim: SimContext, p: Record<string, unknown>): null {
  const fw = sim.state.firewall;
  const group = String(p['group']);
  const rename = typeof p['rename'] === 'string' && p['rename'] !== '' ? p['rename'] : undefined;
  const comment = typeof p['comment'] === 'string' ? p['comment'] : undefined;
  // The config parser lower-cases group names when it reads the file back.
  const key = group.toLowerCase();
  if (rename !== undefined) {
    if (!digestMatches(groupList(sim).digest, p['digest'])) die(MODIFIED_MESSAGE);
    const old = fw.groups[rename];
    if (!old) paramError({ group: `Security group '${rename}' does not exist` });
    if (fw.groups[group] && group !== rename) {
      paramError({ group: `Security group '${group}' does already exist` });
    }
    if (rename === group) {
      if (comment !== undefined) setComment(old, comment);
    } else {
      const copy = { ...old, rules: old.rules };
      if (comment !== undefined) setComment(copy, comment);
      delete fw.groups[rename];
      fw.groups[key] = copy;
      // Rules keep the name as given; only the section header is lower-cased on read.
      renameEverywhere(sim, rename, group);
    }
  } else {
    if (Object.keys(fw.groups).includes(group)) {
      paramError({ group: `Security group '${group}' already exists` });
    }
    fw.groups[key] = { rules: [] };
    if (comment !== undefined) setComment(fw.groups[key], comment);
  }
  sim.touch();
  return null;
}

function setComment(g: { comment?: string }, comment: string): void {
  // An empty comment is not written to the file, so it reads back as absent.
  if (comment.trim() === '') delete g.comment;
  else g.comment = comment.trim();
}

export const groupEndpoints: EndpointDef[] = [
  {
    method: 'GET',
    path: '/cluster/firewall/groups',
    params: {},
    returns: 'array',
    handler: ({ sim }: RequestContext): unknown => groupList(sim).list,
  },
  {
    method: 'POST',
    path: '/cluster/firewall/groups',
    params: {
      comment: commentParam,
      digest: digestParam,
      group: groupNameParam(),
      rename: groupNameParam(true),
    },
    permission: clusterModify,
    returns: 'null',
    handler: ({ sim, params }: RequestContext): unknown => createOrRename(sim, params),
  },
  {
    method: 'DELETE',
    path: '/cluster/firewall/groups/{group}',
    params: { group: groupNameParam() },
    permission: clusterModify,
    returns: 'null',
    handler: ({ sim, params }: RequestContext): unknown => {
      const name = String(params['group']);
      const group = sim.state.firewall.groups[name];
      if (!group) die(`no such security group '${name}'`);
      if (group.rules.length > 0) die(`Security group '${name}' is not empty`);
      delete sim.state.firewall.groups[name];
      sim.touch();
      return null;
    },
  },
  ...ruleEndpoints(groupRuleScope),
];
