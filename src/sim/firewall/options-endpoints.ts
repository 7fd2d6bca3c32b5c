/**
 * Firewall options of the cluster, a node and a container. GET answers only the keys that were
 * set, plus the digest; PUT is digest-checked and takes `delete=`.
 */
import { die, paramError, type EndpointDef, type ParamDef, type SimContext } from '../types.js';
import { splitList } from '../formats.js';
import { copyObjectWithDigest, digestMatches, MODIFIED_MESSAGE } from './digest.js';
import {
  clusterOptionParams,
  deleteParam,
  digestParam,
  guestOptionParams,
  hostOptionParams,
  nodeParam,
  vmidParam,
} from './params.js';
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

type Options = Record<string, string | number>;
type Params = Record<string, unknown>;

interface OptionScope {
  path: string;
  params: Record<string, ParamDef>;
  options: Record<string, ParamDef>;
  audit: Permission;
  modify: Permission;
  load(sim: SimContext, p: Params, forWrite: boolean): { options: Options; save(o: Options): void };
  /** How the stored value is read back (e.g. the cluster's anti-lockout timestamp expiring). */
  view?(options: Options, sim: SimContext): Options;
  /** Per-scope normalisation of a value before it is stored. */
  normalise?(key: string, value: unknown, sim: SimContext): unknown;
}

function optionEndpoints(scope: OptionScope): EndpointDef[] {
  const read = (sim: SimContext, p: Params, forWrite: boolean): ReturnType<OptionScope['load']> => {
    const loaded = scope.load(sim, p, forWrite);
    return scope.view ? { ...loaded, options: scope.view(loaded.options, sim) } : loaded;
  };
  return [
    {
      method: 'GET',
      path: scope.path,
      params: { ...scope.params },
      permission: scope.audit,
      returns: 'object',
      handler: ({ sim, params }) => copyObjectWithDigest(read(sim, params, false).options).object,
    },
    {
      method: 'PUT',
      path: scope.path,
      params: { ...scope.params, ...scope.options, delete: deleteParam, digest: digestParam },
      permission: scope.modify,
      returns: 'null',
      handler: ({ sim, params }) => {
        const loaded = read(sim, params, true);
        const options = loaded.options;
        if (!digestMatches(copyObjectWithDigest(options).digest, params['digest'])) {
          die(MODIFIED_MESSAGE);
        }
        const next: Options = { ...options };
        if (typeof params['delete'] === 'string') {
          for (const opt of splitList(params['delete'])) {
            if (!scope.options[opt]) paramError({ delete: `no such option '${opt}'` });
            delete next[opt];
          }
        }
        for (const key of Object.keys(scope.options)) {
          const v = params[key];
          if (v === undefined || v === null) continue;
          const value = scope.normalise ? scope.normalise(key, v, sim) : v;
          next[key] = typeof value === 'number' ? value : String(value);
        }
        loaded.save(next);
        sim.touch();
        return null;
      },
    },
  ];
}

/** Cluster `enable` values above 1 are an anti-lockout timestamp, valid for 60 seconds. */
const LOCKOUT_SECONDS = 60;

export const clusterOptionEndpoints = optionEndpoints({
  path: '/cluster/firewall/options',
  params: {},
  options: clusterOptionParams,
  audit: clusterAudit,
  modify: clusterModify,
  load: (sim) => ({
    options: sim.state.firewall.options,
    save: (o) => {
      sim.state.firewall.options = o;
    },
  }),
  view: (options, sim) => {
    const enable = Number(options['enable'] ?? 0);
    if (enable > 1 && Math.floor(sim.clock.now() / 1000) - enable > LOCKOUT_SECONDS) {
      return { ...options, enable: 0 };
    }
    return options;
  },
  normalise: (key, value, sim) =>
    key === 'enable' && Number(value) > 1 ? Math.floor(sim.clock.now() / 1000) : value,
});

export const hostOptionEndpoints = optionEndpoints({
  path: '/nodes/{node}/firewall/options',
  params: { node: nodeParam },
  options: hostOptionParams,
  audit: hostAudit,
  modify: hostModify,
  load: (sim, p) => {
    const node = sim.node(String(p['node']));
    return {
      options: node.firewall.options,
      save: (o) => {
        node.firewall.options = o;
      },
    };
  },
});

export const guestOptionEndpoints = (kind: GuestKind): EndpointDef[] =>
  optionEndpoints({
    path: `${guestPrefix(kind)}/options`,
    params: { node: nodeParam, vmid: vmidParam },
    options: guestOptionParams,
    audit: guestAudit,
    modify: guestModify,
    load: (sim, p, forWrite) => {
      const fw = guestFirewall(sim, p, forWrite, kind);
      return {
        options: fw.options,
        save: (o) => {
          fw.options = o;
        },
      };
    },
    normalise: (key, value) => (key === 'enable' ? (value ? 1 : 0) : value),
  });
