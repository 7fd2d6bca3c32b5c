/**
 * Reading Proxmox property strings (`name=eth0,bridge=vmbr0,...`) and disk sizes the way pxr needs
 * to compare them. Proxmox re-prints what it is given (FACTS §3: default key first, then the others
 * sorted, sizes in the largest exact unit), so pxr compares parsed maps, never raw strings.
 */

export type PropMap = Record<string, string>;

/** `a=1,b=2` -> `{a:'1', b:'2'}`; a bare first item is the default key (`local-lvm:vm-1,size=8G`). */
export function parseProps(text: string | number | undefined, defaultKey?: string): PropMap {
  const out: PropMap = {};
  if (text === undefined) return out;
  for (const part of String(text).split(',')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    if (eq < 0) {
      if (defaultKey) out[defaultKey] = part;
      continue;
    }
    out[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return out;
}

/** `{b:'2', a:'1'}` -> `a=1,b=2`, with `first` keys (in order) before the sorted rest. */
export function printProps(map: PropMap, first: readonly string[] = []): string {
  const keys = Object.keys(map).filter((k) => map[k] !== undefined);
  const head = first.filter((k) => keys.includes(k));
  const rest = keys.filter((k) => !first.includes(k)).sort();
  return [...head, ...rest].map((k) => `${k}=${map[k]}`).join(',');
}

const UNITS: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

/** `8G` / `8589934592` / `512M` -> bytes; undefined when it is not a size. */
export function parseSize(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)([KMGT]?)$/.exec(text.trim());
  if (!m?.[1]) return undefined;
  return Math.round(Number(m[1]) * (UNITS[m[2] ?? ''] ?? 1));
}

export const GiB = 1024 ** 3;

/** Booleans read back as `1`/`0` (or `on`/`yes`...); absent means the schema default. */
export function propBool(v: string | undefined, dflt: 0 | 1 = 0): 0 | 1 {
  if (v === undefined) return dflt;
  return /^(1|on|yes|true)$/i.test(v) ? 1 : 0;
}

/** `local-lvm:vm-100-disk-0` -> `local-lvm`; bind mounts (`/srv`) have no storage. */
export function volumeStorage(volume: string | undefined): string | undefined {
  if (!volume || volume.startsWith('/')) return undefined;
  const i = volume.indexOf(':');
  return i > 0 ? volume.slice(0, i) : undefined;
}

/** Tags as Proxmox stores them: split on `; ,` and spaces, lower-cased, unique, sorted, `;`-joined. */
export function normalizeTags(tags: string | readonly string[] | undefined): string {
  const list = typeof tags === 'string' ? tags.split(/[;,\s]+/) : [...(tags ?? [])];
  const uniq = new Set(list.map((t) => t.trim().toLowerCase()).filter((t) => t !== ''));
  return [...uniq].sort().join(';');
}

/** Descriptions read back with a `\n` after every line; trailing blanks carry no meaning. */
export function normalizeText(text: string | undefined): string {
  return (text ?? '')
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n')
    .trim();
}
