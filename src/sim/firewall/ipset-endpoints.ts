/**
 * IP sets (pve-firewall IPSet.pm) for the cluster and for containers: the set list with
 * create/rename, and per set the entries with add/read/update/remove. Entries are normalised like
 * the config parser does (host bits cleared, `/32` dropped). Every write saves the set sorted by
 * CIDR text, so that is the order reads return (see {@link byCidr}).
 */
import { die, paramError, type EndpointDef, type SimContext } from '../types.js';
import type { IpSet, IpSetEntry } from './state.js';
import { copyListWithDigest, digestMatches, MODIFIED_MESSAGE } from './digest.js';
import { cleanCidr, parseAliasRef, parseIpOrCidr } from './addr.js';
import { commentParam, digestParam, setNameParam } from './params.js';
import { clusterSetScope, guestSetScope, type GuestKind, type SetScope } from './scope.js';
import { resolveAlias } from './alias-endpoints.js';

type Params = Record<string, unknown>;

function setList(sets: Record<string, IpSet>): ReturnType<typeof copyListWithDigest> {
  const entries = Object.keys(sets)
    .sort()
    .map((name) => {
      const comment = sets[name]?.comment;
      return comment ? { name, comment } : { name };
    });
  return copyListWithDigest(entries);
}

/**
 * pve-firewall PVE/Firewall.pm `$format_ipsets` writes the entries `sort keys %$nethash` (Perl
 * string order of the CIDR text) and the API reads the file back, so a new entry that
 * IPSet.pm `create_ip` unshifts to the front ends up in CIDR order.
 */
export function byCidr(entries: readonly IpSetEntry[]): IpSetEntry[] {
  return [...entries].sort((a, b) => (a.cidr < b.cidr ? -1 : a.cidr > b.cidr ? 1 : 0));
}

function loadSet(scope: SetScope, sim: SimContext, p: Params, create: boolean): IpSet {
  const name = String(p['name']);
  const set = scope.conf(sim, p, create).ipsets[name];
  if (!set) die(`no such IPSet '${name}'`);
  return set;
}

function assertDigest(entries: readonly IpSetEntry[], given: unknown): void {
  if (!digestMatches(copyListWithDigest(byCidr(entries)).digest, given)) die(MODIFIED_MESSAGE);
}

function cleanComment(comment: unknown): string | undefined {
  return typeof comment === 'string' && comment.trim() !== '' ? comment.trim() : undefined;
}

function createOrRename(scope: SetScope, sim: SimContext, p: Params): null {
  const sets = scope.conf(sim, p, true).ipsets;
  const name = String(p['name']);
  const rename = typeof p['rename'] === 'string' && p['rename'] !== '' ? p['rename'] : undefined;
  const comment = typeof p['comment'] === 'string' ? p['comment'] : undefined;
  if (rename !== undefined) {
    if (!digestMatches(setList(sets).digest, p['digest'])) die(MODIFIED_MESSAGE);
    const old = sets[rename];
    if (!old) paramError({ name: `IPSet '${rename}' does not exist` });
    if (sets[name] && name !== rename) paramError({ name: `IPSet '${name}' does already exist` });
    delete sets[rename];
    const next: IpSet = { ...old };
    if (comment !== undefined) {
      const c = cleanComment(comment);
      if (c === undefined) delete next.comment;
      else next.comment = c;
    }
    sets[name.toLowerCase()] = next;
  } else {
    if (Object.keys(sets).includes(name)) paramError({ name: `IPSet '${name}' already exists` });
    const c = cleanComment(comment);
    sets[name.toLowerCase()] = c === undefined ? { entries: [] } : { comment: c, entries: [] };
  }
  sim.touch();
  return null;
}

function addEntry(scope: SetScope, sim: SimContext, p: Params): null {
  const set = loadSet(scope, sim, p, true);
  let cidr = String(p['cidr']);
  const alias = parseAliasRef(cidr);
  if (alias) {
    resolveAlias(scope, sim, p, alias);
  } else {
    try {
      cidr = parseIpOrCidr(cleanCidr(cidr)).cidr;
    } catch (err) {
      die((err as Error).message);
    }
  }
  if (set.entries.some((e) => e.cidr === cidr)) {
    paramError({ cidr: `address '${cidr}' already exists` });
  }
  if (/\/0+$/.test(cidr)) paramError({ cidr: 'a zero prefix is not allowed in ipset entries' });
  const entry: IpSetEntry = { cidr };
  if (p['nomatch']) entry.nomatch = 1;
  const comment = cleanComment(p['comment']);
  if (comment !== undefined) entry.comment = comment;
  set.entries = byCidr([entry, ...set.entries]);
  sim.touch();
  return null;
}

export function ipsetEndpoints(scope: SetScope): EndpointDef[] {
  const base = `${scope.prefix}/ipset`;
  const named = { ...scope.params, name: setNameParam() };
  const cidrParam = { type: 'string' as const, format: 'IPorCIDRorAlias' };
  const entry = { ...named, cidr: cidrParam };
  return [
    {
      method: 'GET',
      path: base,
      params: { ...scope.params },
      permission: scope.audit,
      returns: 'array',
      handler: ({ sim, params }) => setList(scope.conf(sim, params, false).ipsets).list,
    },
    {
      method: 'POST',
      path: base,
      params: { ...named, comment: commentParam, digest: digestParam, rename: setNameParam(true) },
      permission: scope.modify,
      returns: 'null',
      handler: ({ sim, params }) => createOrRename(scope, sim, params),
    },
    {
      method: 'GET',
      path: `${base}/{name}`,
      params: named,
      permission: scope.audit,
      returns: 'array',
      handler: ({ sim, params }) =>
        copyListWithDigest(byCidr(loadSet(scope, sim, params, false).entries)).list,
    },
    {
      method: 'POST',
      path: `${base}/{name}`,
      params: { ...entry, comment: commentParam, nomatch: { type: 'boolean', optional: true } },
      permission: scope.modify,
      returns: 'null',
      handler: ({ sim, params }) => addEntry(scope, sim, params),
    },
    {
      method: 'DELETE',
      path: `${base}/{name}`,
      params: { ...named, force: { type: 'boolean', optional: true } },
      permission: scope.modify,
      returns: 'null',
      handler: ({ sim, params }) => {
        const name = String(params['name']);
        const set = loadSet(scope, sim, params, true);
        if (set.entries.length > 0 && !params['force']) die(`IPSet '${name}' is not empty`);
        delete scope.conf(sim, params, true).ipsets[name];
        sim.touch();
        return null;
      },
    },
    {
      method: 'GET',
      path: `${base}/{name}/{cidr}`,
      params: entry,
      permission: scope.audit,
      returns: 'object',
      handler: ({ sim, params }) => {
        const { list } = copyListWithDigest(byCidr(loadSet(scope, sim, params, false).entries));
        const found = list.find((e) => e.cidr === params['cidr']);
        if (!found) paramError({ cidr: 'no such IP/Network' });
        return found;
      },
    },
    {
      method: 'PUT',
      path: `${base}/{name}/{cidr}`,
      params: {
        ...entry,
        comment: commentParam,
        digest: digestParam,
        nomatch: { type: 'boolean', optional: true },
      },
      permission: scope.modify,
      returns: 'null',
      handler: ({ sim, params }) => {
        const set = loadSet(scope, sim, params, true);
        assertDigest(set.entries, params['digest']);
        const index = set.entries.findIndex((e) => e.cidr === params['cidr']);
        if (index < 0) paramError({ cidr: 'no such IP/Network' });
        // Perl assigns both fields from the request, so omitting one clears it.
        const next: IpSetEntry = { cidr: String(params['cidr']) };
        if (params['nomatch']) next.nomatch = 1;
        const comment = cleanComment(params['comment']);
        if (comment !== undefined) next.comment = comment;
        set.entries = set.entries.map((e, i) => (i === index ? next : e));
        sim.touch();
        return null;
      },
    },
    {
      method: 'DELETE',
      path: `${base}/{name}/{cidr}`,
      params: { ...entry, digest: digestParam },
      permission: scope.modify,
      returns: 'null',
      handler: ({ sim, params }) => {
        const set = loadSet(scope, sim, params, true);
        assertDigest(set.entries, params['digest']);
        // Removing an entry that is not there is not an error in Proxmox.
        set.entries = set.entries.filter((e) => e.cidr !== params['cidr']);
        sim.touch();
        return null;
      },
    },
  ];
}

export const clusterIpsetEndpoints = ipsetEndpoints(clusterSetScope);
export const guestIpsetEndpoints = (kind: GuestKind): EndpointDef[] =>
  ipsetEndpoints(guestSetScope(kind));
