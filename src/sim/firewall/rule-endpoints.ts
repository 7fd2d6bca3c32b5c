/**
 * The five rule endpoints (list, create, read, update, delete) of pve-firewall's Rules.pm, for
 * every place rules live: cluster, security groups, nodes and containers. Lists answer with the
 * list digest on every item; PUT/DELETE compare it; POST inserts at position 0.
 */
import { die, type EndpointDef, type ParamDef, type SimContext } from '../types.js';
import type { FwRule } from './state.js';
import { copyListWithDigest, digestMatches, MODIFIED_MESSAGE } from './digest.js';
import {
  copyRuleData,
  deleteRuleProperties,
  moveRule,
  storedRule,
  verifyRule,
  type RuleEnv,
  type RuleRefs,
} from './rules.js';
import {
  clusterAudit,
  clusterModify,
  guestAudit,
  guestFirewall,
  guestModify,
  guestPrefix,
  type GuestKind,
  hostAudit,
  hostModify,
  type Permission,
} from './scope.js';
import {
  deleteParam,
  digestParam,
  groupNameParam,
  nodeParam,
  posParam,
  ruleParams,
  vmidParam,
} from './params.js';

interface RuleList {
  rules: FwRule[];
  refs: RuleRefs;
  save(rules: FwRule[]): void;
}

export interface RuleScope {
  env: RuleEnv;
  /** The list path; items are at `${path}/{pos}`. */
  path: string;
  params: Record<string, ParamDef>;
  audit: Permission;
  modify: Permission;
  load(sim: SimContext, p: Record<string, unknown>, forWrite: boolean): RuleList;
}

function assertDigest(current: string, given: unknown): void {
  if (!digestMatches(current, given)) die(MODIFIED_MESSAGE);
}

function position(p: Record<string, unknown>, rules: readonly FwRule[]): number {
  // `pos` is optional in the schema; Perl compares undef as 0.
  const pos = Number(p['pos'] ?? 0);
  if (pos >= rules.length) die(`no rule at position ${pos}`);
  return pos;
}

export function ruleEndpoints(scope: RuleScope): EndpointDef[] {
  const item = `${scope.path}/{pos}`;
  const withPos = { ...scope.params, pos: posParam };
  return [
    {
      method: 'GET',
      path: scope.path,
      params: { ...scope.params },
      permission: scope.audit,
      returns: 'array',
      handler: ({ sim, params }) => {
        const { rules } = scope.load(sim, params, false);
        return copyListWithDigest(rules).list.map((r, pos) => ({ ...r, pos }));
      },
    },
    {
      method: 'GET',
      path: item,
      params: withPos,
      permission: scope.audit,
      returns: 'object',
      handler: ({ sim, params }) => {
        const { rules } = scope.load(sim, params, false);
        const { list } = copyListWithDigest(rules);
        const pos = position(params, rules);
        return { ...list[pos], pos };
      },
    },
    {
      method: 'POST',
      path: scope.path,
      params: { ...scope.params, ...ruleParams(true) },
      permission: scope.modify,
      returns: 'null',
      handler: ({ sim, params }) => {
        const list = scope.load(sim, params, true);
        const rule = verifyRule(copyRuleData({}, params), scope.env, list.refs);
        // A new rule is disabled unless asked otherwise.
        if (params['enable'] === undefined) rule.enable = 0;
        list.save([storedRule(rule, scope.env), ...list.rules]);
        sim.touch();
        return null;
      },
    },
    {
      method: 'PUT',
      path: item,
      params: {
        ...scope.params,
        ...ruleParams(false),
        pos: posParam,
        delete: deleteParam,
        moveto: { type: 'integer', minimum: 0, optional: true },
      },
      permission: scope.modify,
      returns: 'null',
      handler: ({ sim, params }) => {
        const list = scope.load(sim, params, true);
        assertDigest(copyListWithDigest(list.rules).digest, params['digest']);
        const pos = position(params, list.rules);
        const moveto = params['moveto'];
        if (typeof moveto === 'number' && moveto !== pos) {
          list.save(moveRule(list.rules, pos, moveto));
        } else {
          let rule = copyRuleData(list.rules[pos] as FwRule, params);
          if (typeof params['delete'] === 'string' && params['delete'] !== '') {
            rule = deleteRuleProperties(rule, params['delete']);
          }
          const verified = storedRule(verifyRule(rule, scope.env, list.refs), scope.env);
          list.save(list.rules.map((r, i) => (i === pos ? verified : r)));
        }
        sim.touch();
        return null;
      },
    },
    {
      method: 'DELETE',
      path: item,
      params: { ...withPos, digest: digestParam },
      permission: scope.modify,
      returns: 'null',
      handler: ({ sim, params }) => {
        const list = scope.load(sim, params, true);
        assertDigest(copyListWithDigest(list.rules).digest, params['digest']);
        const pos = position(params, list.rules);
        list.save(list.rules.filter((_, i) => i !== pos));
        sim.touch();
        return null;
      },
    },
  ];
}

export const clusterRuleScope: RuleScope = {
  env: 'cluster',
  path: '/cluster/firewall/rules',
  params: {},
  audit: clusterAudit,
  modify: clusterModify,
  load: (sim) => {
    const fw = sim.state.firewall;
    return {
      rules: fw.rules,
      refs: { cluster: fw },
      save: (rules) => {
        fw.rules = rules;
      },
    };
  },
};

export const groupRuleScope: RuleScope = {
  env: 'group',
  path: '/cluster/firewall/groups/{group}',
  params: { group: groupNameParam() },
  audit: clusterAudit,
  modify: clusterModify,
  load: (sim, p) => {
    const fw = sim.state.firewall;
    const name = String(p['group']);
    const group = fw.groups[name];
    if (!group) die(`no such security group '${name}'`);
    return {
      rules: group.rules,
      refs: { cluster: fw },
      save: (rules) => {
        group.rules = rules;
      },
    };
  },
};

export const hostRuleScope: RuleScope = {
  env: 'host',
  path: '/nodes/{node}/firewall/rules',
  params: { node: nodeParam },
  audit: hostAudit,
  modify: hostModify,
  load: (sim, p) => {
    const node = sim.node(String(p['node']));
    return {
      rules: node.firewall.rules,
      refs: { cluster: sim.state.firewall },
      save: (rules) => {
        node.firewall.rules = rules;
      },
    };
  },
};

export const guestRuleScope = (kind: GuestKind): RuleScope => ({
  env: kind.env,
  path: `${guestPrefix(kind)}/rules`,
  params: { node: nodeParam, vmid: vmidParam },
  audit: guestAudit,
  modify: guestModify,
  load: (sim, p, forWrite) => {
    const fw = guestFirewall(sim, p, forWrite, kind);
    return {
      rules: fw.rules,
      refs: { cluster: sim.state.firewall, local: fw },
      save: (rules) => {
        fw.rules = rules;
      },
    };
  },
});
