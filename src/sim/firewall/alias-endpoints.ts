/**
 * Aliases (pve-firewall Aliases.pm) for the cluster and for containers. Names are matched
 * case-insensitively but keep their spelling; the list is sorted by lower-cased name.
 */
import { die, paramError, type EndpointDef, type SimContext } from '../types.js';
import type { FwAlias } from './state.js';
import { copyListWithDigest, digestMatches, MODIFIED_MESSAGE } from './digest.js';
import { parseIpOrCidr } from './addr.js';
import { commentParam, digestParam, setNameParam } from './params.js';
import { clusterSetScope, guestSetScope, type GuestKind, type SetScope } from './scope.js';

type Params = Record<string, unknown>;

function aliasList(aliases: Record<string, FwAlias>): ReturnType<typeof copyListWithDigest> {
  return copyListWithDigest(
    Object.keys(aliases)
      .sort()
      .map((k) => aliases[k] as FwAlias),
  );
}

/** The alias as the config parser reads it back: `/32` dropped, version derived. */
function makeAlias(name: string, cidr: string, comment: unknown): FwAlias {
  let parsed: ReturnType<typeof parseIpOrCidr>;
  try {
    parsed = parseIpOrCidr(cidr);
  } catch (err) {
    die((err as Error).message);
  }
  const alias: FwAlias = { name, cidr: parsed.cidr, ipversion: parsed.ipversion };
  if (typeof comment === 'string' && comment.trim() !== '') alias.comment = comment.trim();
  return alias;
}

/**
 * Firewall.pm `resolve_alias` for IP set entries: a guest alias first (unless `dc/`), then the
 * cluster's (unless `guest/`); dies `no such alias` otherwise.
 */
export function resolveAlias(
  scope: SetScope,
  sim: SimContext,
  p: Params,
  ref: { scope: '' | 'dc/' | 'guest/'; name: string },
): FwAlias {
  const key = ref.name.toLowerCase();
  const local = scope.env === 'cluster' ? undefined : scope.conf(sim, p, false).aliases;
  let found = ref.scope !== 'dc/' ? local?.[key] : undefined;
  if (!found && ref.scope !== 'guest/') found = sim.state.firewall.aliases[key];
  if (!found) die(`no such alias '${ref.name}'`);
  return found;
}

export function aliasEndpoints(scope: SetScope): EndpointDef[] {
  const base = `${scope.prefix}/aliases`;
  const named = { ...scope.params, name: setNameParam() };
  const cidrParam = { type: 'string' as const, format: 'IPorCIDR' };
  const aliases = (sim: SimContext, p: Params, create: boolean): Record<string, FwAlias> =>
    scope.conf(sim, p, create).aliases;
  return [
    {
      method: 'GET',
      path: base,
      params: { ...scope.params },
      permission: scope.audit,
      returns: 'array',
      handler: ({ sim, params }) => aliasList(aliases(sim, params, false)).list,
    },
    {
      method: 'POST',
      path: base,
      params: { ...named, cidr: cidrParam, comment: commentParam },
      permission: scope.modify,
      returns: 'null',
      handler: ({ sim, params }) => {
        const map = aliases(sim, params, true);
        const name = String(params['name']);
        const key = name.toLowerCase();
        if (map[key]) paramError({ name: `alias '${name}' already exists` });
        map[key] = makeAlias(name, String(params['cidr']), params['comment']);
        sim.touch();
        return null;
      },
    },
    {
      method: 'GET',
      path: `${base}/{name}`,
      params: named,
      permission: scope.audit,
      returns: 'object',
      handler: ({ sim, params }) => {
        const found = aliases(sim, params, false)[String(params['name']).toLowerCase()];
        if (!found) paramError({ name: 'no such alias' });
        return { ...found };
      },
    },
    {
      method: 'PUT',
      path: `${base}/{name}`,
      params: {
        ...named,
        cidr: cidrParam,
        comment: commentParam,
        digest: digestParam,
        rename: setNameParam(true),
      },
      permission: scope.modify,
      returns: 'null',
      handler: ({ sim, params }) => {
        const map = aliases(sim, params, true);
        if (!digestMatches(aliasList(map).digest, params['digest'])) die(MODIFIED_MESSAGE);
        const name = String(params['name']);
        const key = name.toLowerCase();
        if (!map[key]) paramError({ name: 'no such alias' });
        const next = makeAlias(name, String(params['cidr']), params['comment']);
        const rename = typeof params['rename'] === 'string' ? params['rename'] : '';
        const renameKey = rename.toLowerCase();
        if (rename !== '' && renameKey !== key) {
          if (map[renameKey]) paramError({ name: `alias '${rename}' already exists` });
          delete map[key];
          map[renameKey] = { ...next, name: rename };
        } else {
          map[key] = next;
        }
        sim.touch();
        return null;
      },
    },
    {
      method: 'DELETE',
      path: `${base}/{name}`,
      params: { ...named, digest: digestParam },
      permission: scope.modify,
      returns: 'null',
      handler: ({ sim, params }) => {
        const map = aliases(sim, params, true);
        if (!digestMatches(aliasList(map).digest, params['digest'])) die(MODIFIED_MESSAGE);
        delete map[String(params['name']).toLowerCase()];
        sim.touch();
        return null;
      },
    },
  ];
}

export const clusterAliasEndpoints = aliasEndpoints(clusterSetScope);
export const guestAliasEndpoints = (kind: GuestKind): EndpointDef[] =>
  aliasEndpoints(guestSetScope(kind));
