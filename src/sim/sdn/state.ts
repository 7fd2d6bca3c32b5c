/**
 * SDN configuration (pve-network): the edited section-config files under `/etc/pve/sdn`
 * (`zones.cfg`, `vnets.cfg`, `subnets.cfg`) and the `.running-config` that `PUT /cluster/sdn`
 * compiles from them. Edits never touch the running config; `?pending=1` shows the difference.
 */

/** One section as the config parser returns it: integers and booleans as numbers, lists as text. */
export type SdnSection = Record<string, string | number | string[]>;

export type SdnKind = 'zones' | 'vnets' | 'subnets';

export type SdnConfigSet = Record<SdnKind, Record<string, SdnSection>>;

export interface SdnState {
  config: SdnConfigSet;
  /** `.running-config`, null until the first apply. */
  running: (SdnConfigSet & { version: number }) | null;
  /** Content of `/etc/pve/sdn/.lock` (PVE 9 global lock), null when unlocked. */
  lockToken: string | null;
}

export function emptySdn(): SdnState {
  return { config: { zones: {}, vnets: {}, subnets: {} }, running: null, lockToken: null };
}

/** The SDN state, created on first use (state files written before SDN existed have none). */
export function sdnState(sim: { state: { sdn?: SdnState | undefined } }): SdnState {
  sim.state.sdn ??= emptySdn();
  return sim.state.sdn;
}
