/**
 * What every SDN endpoint shares (pve-network `PVE::Network::SDN`): the pending view of the
 * edited config against the running one, section-config digests, the PVE 9 global lock, and the
 * way errors inside the config lock come out (`die "$errmsg: $err"` turns even parameter errors
 * into a 500 whose text carries the stringified exception).
 */
import { createHash } from 'node:crypto';
import { PveError, die, paramError, type SimContext } from '../types.js';
import { sdnState, type SdnKind, type SdnSection, type SdnState } from './state.js';

const PERL = '/usr/share/perl5/PVE';

/** Where a bare `die "..."` (no newline) was raised, as Perl appends it (pve-network at ecf98c5). */
export const DIE_AT = {
  lockToken: `${PERL}/Network/SDN.pm line 291`,
  pendingChanges: `${PERL}/API2/Network/SDN.pm line 149`,
  zoneInUse: `${PERL}/Network/SDN/Zones/Plugin.pm line 148`,
} as const;

/** `die "msg"` without a newline: Perl adds ` at FILE line N.` */
export function perlDie(message: string, at: string): never {
  throw new PveError(500, `${message} at ${at}.\n`);
}

/** `encode_value`: list-valued keys compare sorted. */
function encode(key: string, value: string | number | string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) return [...value].sort().join(',');
  if (key === 'nodes' || key === 'exitnodes' || key === 'dhcp-range' || key === 'interfaces') {
    return String(value).split(',').filter(Boolean).sort().join(',');
  }
  return String(value);
}

type PendingEntry = Record<string, unknown> & { pending?: Record<string, unknown>; state?: string };

/**
 * `pending_config`: each object shows its RUNNING values, `pending` holds what the edited config
 * changes (`'deleted'` for a removed key), `state` is new/changed/deleted; untouched objects have
 * neither. `type` (and a subnet's `vnet`) always come from the edited config.
 */
export function pendingView(
  running: Record<string, SdnSection>,
  config: Record<string, SdnSection>,
): Record<string, PendingEntry> {
  const out: Record<string, PendingEntry> = {};
  const entry = (id: string): PendingEntry => (out[id] ??= {});
  for (const id of Object.keys(running).sort()) {
    const run = running[id] ?? {};
    const conf = config[id];
    const e = entry(id);
    for (const key of Object.keys(run).sort()) {
      e[key] = run[key];
      if (!conf || Object.keys(conf).length === 0) e.state = 'deleted';
      else if (conf[key] === undefined) {
        (e.pending ??= {})[key] = 'deleted';
        e.state = 'changed';
      } else if (encode(key, run[key]) !== encode(key, conf[key])) e.state = 'changed';
    }
    if (e.state !== undefined) e.pending ??= {};
  }
  for (const id of Object.keys(config).sort()) {
    const run = running[id];
    const conf = config[id] ?? {};
    const e = entry(id);
    for (const key of Object.keys(conf).sort()) {
      const mine = encode(key, conf[key]);
      const theirs = encode(key, run?.[key]);
      if (key === 'type' || key === 'vnet') e[key] = mine;
      else if (theirs === undefined || mine !== theirs) (e.pending ??= {})[key] = conf[key];
      if (!run || Object.keys(run).length === 0) e.state = 'new';
      else if (theirs === undefined && mine !== undefined) e.state = 'changed';
    }
    if (e.state !== undefined) e.pending ??= {};
  }
  return out;
}

/** `has_pending_changes`: any object of any file with a `pending` key. */
export function hasPendingChanges(sdn: SdnState): boolean {
  const kinds: SdnKind[] = ['zones', 'vnets', 'subnets'];
  return kinds.some((k) =>
    Object.values(pendingView(sdn.running?.[k] ?? {}, sdn.config[k])).some(
      (e) => e.pending !== undefined,
    ),
  );
}

/** The section-config text of one file (`type: id` then tab-indented `key value` lines). */
function renderFile(kind: SdnKind, sections: Record<string, SdnSection>): string {
  const idKey = kind === 'zones' ? 'zone' : kind === 'vnets' ? 'vnet' : 'subnet';
  let text = '';
  for (const id of Object.keys(sections)) {
    const s = sections[id] ?? {};
    text += `${String(s['type'])}: ${id}\n`;
    for (const [k, v] of Object.entries(s)) {
      if (k !== 'type' && k !== idKey) text += `\t${k} ${String(v)}\n`;
    }
    text += '\n';
  }
  return text;
}

/** SectionConfig's digest: sha1 of the file as written. */
export function fileDigest(kind: SdnKind, sections: Record<string, SdnSection>): string {
  return createHash('sha1').update(renderFile(kind, sections)).digest('hex');
}

/** `PVE::SectionConfig::assert_if_modified`. */
export function assertDigest(kind: SdnKind, sdn: SdnState, digest: unknown): void {
  if (
    typeof digest === 'string' &&
    digest !== '' &&
    digest !== fileDigest(kind, sdn.config[kind])
  ) {
    throw new PveError(
      500,
      'detected modified configuration - file changed by other user? Try again.\n',
    );
  }
}

/** A stringified PVE::Exception, as `die "$errmsg: $err"` prints it. */
function stringify(err: PveError): string {
  let msg = err.errors ? `${err.status} ${err.message}` : err.message;
  if (!msg.endsWith('\n')) msg += '\n';
  for (const [k, v] of Object.entries(err.errors ?? {})) msg += `${k}: ${v}\n`;
  return msg;
}

/**
 * `lock_sdn_config`: refuses when the global lock is held and the token differs, runs `edit`,
 * and prefixes any error with `errmsg` (a 500, as upstream).
 */
export function lockSdnConfig<T>(
  sim: SimContext,
  errmsg: string,
  token: unknown,
  edit: (sdn: SdnState) => T,
): T {
  const sdn = sdnState(sim);
  try {
    if (sdn.lockToken !== null && token !== sdn.lockToken) {
      perlDie('invalid lock token provided!', DIE_AT.lockToken);
    }
    const result = edit(sdn);
    sim.touch();
    return result;
  } catch (err) {
    if (err instanceof PveError) {
      const inner = err.errors ? stringify(err) : err.message;
      throw new PveError(500, `${errmsg}: ${inner}`);
    }
    throw err;
  }
}

/**
 * The `pve-sdn-zone-id` / `pve-sdn-vnet-id` standard options (pattern, 2..8 characters): the
 * schema dump names them as formats, so the checks, in JSONSchema's order and words, run here.
 */
export function checkSdnId(param: string, value: unknown): string {
  const v = typeof value === 'string' ? value : '';
  if (!/^(?:[a-zA-Z][a-zA-Z0-9]*[a-zA-Z0-9])$/.test(v)) {
    paramError({ [param]: 'value does not match the regex pattern' });
  }
  if (v.length > 8) paramError({ [param]: 'value may only be 8 characters long' });
  return v;
}

/** The view chosen by `?pending=1` / `?running=1` (else the edited config). */
export function chosenConfig(
  sdn: SdnState,
  kind: SdnKind,
  params: Record<string, unknown>,
): { sections: Record<string, SdnSection | PendingEntry>; digest?: string } {
  if (params['pending'] === 1) {
    return { sections: pendingView(sdn.running?.[kind] ?? {}, sdn.config[kind]) };
  }
  if (params['running'] === 1) return { sections: sdn.running?.[kind] ?? {} };
  return { sections: sdn.config[kind], digest: fileDigest(kind, sdn.config[kind]) };
}

/** Keys that are API plumbing, not section settings. */
const PLUMBING = new Set(['lock-token', 'digest', 'delete', 'release-lock', 'pending', 'running']);

/** The settings of a create/update request, as the config parser would read them back. */
export function settingsOf(params: Record<string, unknown>, skip: string[]): SdnSection {
  const out: SdnSection = {};
  for (const [k, v] of Object.entries(params)) {
    if (PLUMBING.has(k) || skip.includes(k)) continue;
    // validated scalars only: numbers (integers, booleans as 0|1) and strings
    if (typeof v === 'number' || typeof v === 'string') out[k] = v;
  }
  return out;
}

/** SectionConfig `delete_from_config` for a `delete=` list. */
export function deleteKeys(
  section: SdnSection,
  del: unknown,
  required: string[],
  set: SdnSection,
): void {
  if (typeof del !== 'string') return;
  for (const key of del.split(/[,;\s]+/).filter(Boolean)) {
    if (required.includes(key)) die(`unable to delete required option '${key}'`);
    if (set[key] !== undefined) {
      die(`cannot set and delete property '${key}' at the same time!`);
    }
    delete section[key];
  }
}
