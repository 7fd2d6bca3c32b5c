/**
 * The container config as a file: `write_pct_config` rendering (whose sha1 is the `digest` every
 * GET returns), tag normalisation, and the `[pve:pending]` views (`load_current_config`,
 * `config_with_pending_array`). Pure functions over {@link LxcState}.
 */
import { createHash } from 'node:crypto';
import { splitList } from '../formats.js';
import type { LxcState } from './state.js';

export type ConfigValues = Record<string, string | number>;

/**
 * `GuestHelpers::get_unique_tags` with the default tag style: split on `; ,` and whitespace,
 * lower-cased, de-duplicated, sorted, joined with `;`.
 */
export function normalizeTags(tags: string): string {
  const sorted = splitList(tags)
    .slice()
    .sort((a, b) => {
      const x = a.toLowerCase();
      const y = b.toLowerCase();
      return x < y ? -1 : x > y ? 1 : 0;
    });
  const seen = new Set<string>();
  const res: string[] = [];
  for (const t of sorted) {
    const tag = t.toLowerCase();
    if (seen.has(tag)) continue;
    seen.add(tag);
    res.push(tag);
  }
  return res.join(';');
}

/** `PVE::Tools::encode_text`: control, high-bit, `:` and `%` characters are %-escaped (UTF-8). */
export function encodeText(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const safe =
      (byte >= 0x20 && byte <= 0x24) ||
      (byte >= 0x26 && byte <= 0x39) ||
      (byte >= 0x3b && byte <= 0x7e);
    out += safe
      ? String.fromCharCode(byte)
      : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

const SKIPPED = new Set([
  'digest',
  'description',
  'pending',
  'snapshots',
  'snapname',
  'env',
  'lxc',
]);

/** Perl's `split(/\n/, $text)`: trailing empty fields are dropped. */
export function perlSplitLines(text: string): string[] {
  const lines = text.split('\n');
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * The description as it reads back from the file: every comment line ends in `\n`
 * (`parse_pct_config` appends one per `#` line), so `hello` is returned as `hello\n`.
 */
export function descriptionReadBack(text: string): string {
  return perlSplitLines(text)
    .map((l) => `${l}\n`)
    .join('');
}

function renderSection(conf: ConfigValues): string {
  let raw = '';
  const descr = conf.description === undefined ? '' : String(conf.description);
  for (const line of perlSplitLines(descr)) raw += `#${encodeText(line)}\n`;
  for (const key of Object.keys(conf).sort()) {
    if (SKIPPED.has(key)) continue;
    raw += `${key}: ${String(conf[key])}\n`;
  }
  return raw;
}

/** The pending-delete list as the file stores it (`delete: a,b`, sorted). */
export function printPendingDelete(keys: readonly string[]): string {
  return [...new Set(keys)].sort().join(',');
}

/** `write_pct_config`: the text of `/etc/pve/lxc/<vmid>.conf`. */
export function renderConfig(
  ct: Pick<LxcState, 'config' | 'pending' | 'pendingDelete' | 'snapshots'>,
): string {
  let raw = renderSection(ct.config);
  const pending: ConfigValues = { ...ct.pending };
  if (ct.pendingDelete.length > 0) pending.delete = printPendingDelete(ct.pendingDelete);
  if (Object.keys(pending).length > 0) {
    raw += '\n[pve:pending]\n';
    raw += renderSection(pending);
  }
  for (const name of Object.keys(ct.snapshots ?? {}).sort()) {
    raw += `\n[${name}]\n`;
    raw += renderSection(ct.snapshots?.[name] ?? {});
  }
  return raw;
}

/** sha1 hex of the rendered file: any change of config or pending changes it. */
export function configDigest(
  ct: Pick<LxcState, 'config' | 'pending' | 'pendingDelete' | 'snapshots'>,
): string {
  return createHash('sha1').update(renderConfig(ct), 'utf8').digest('hex');
}

/**
 * `load_current_config` (+ digest): the config with pending values merged in and pending deletes
 * removed, unless `current` asks for the applied config only.
 */
export function configView(ct: LxcState, current: boolean): ConfigValues {
  const conf: ConfigValues = { ...ct.config };
  if (!current) {
    Object.assign(conf, ct.pending);
    for (const key of ct.pendingDelete) {
      // Perl deletes only truthy values (`delete $conf->{$opt} if $conf->{$opt}`).
      const v = conf[key];
      if (v !== undefined && v !== 0 && v !== '' && v !== '0') delete conf[key];
    }
  }
  conf.digest = configDigest(ct);
  return conf;
}

export interface PendingItem {
  key: string;
  value?: string | number;
  pending?: string | number;
  delete?: number;
}

/**
 * `config_with_pending_array`: one item per key of config (with `digest`) and pending, with
 * `delete: 1` for pending deletions. Sorted by key (Perl's hash order is random).
 */
export function pendingArray(ct: LxcState): PendingItem[] {
  const conf: ConfigValues = { ...ct.config, digest: configDigest(ct) };
  const pending: ConfigValues = { ...ct.pending };
  const deletes = new Set(ct.pendingDelete);
  const res: PendingItem[] = [];
  for (const [key, value] of Object.entries(conf)) {
    const item: PendingItem = { key, value };
    const p = pending[key];
    if (p !== undefined) {
      item.pending = p;
      delete pending[key];
    }
    if (deletes.delete(key)) item.delete = 1;
    res.push(item);
  }
  for (const [key, p] of Object.entries(pending)) res.push({ key, pending: p });
  for (const key of deletes) res.push({ key, delete: 1 });
  return res.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/**
 * `cleanup_pending`: drops pending values equal to the applied ones and pending deletes of keys
 * that are not set. Mutates `ct`.
 */
export function cleanupPending(ct: LxcState): void {
  for (const [key, value] of Object.entries(ct.pending)) {
    const cur = ct.config[key];
    if (cur !== undefined && String(cur) === String(value)) delete ct.pending[key];
  }
  ct.pendingDelete = ct.pendingDelete.filter((k) => ct.config[k] !== undefined);
}
