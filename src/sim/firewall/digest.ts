/**
 * pve-firewall's config digests (Firewall.pm `copy_list_with_digest`, `copy_opject_with_digest`):
 * sha1 over `key:value\n` for every defined scalar, keys sorted per entry. Lists carry the SAME
 * digest on every item, which is what PUT/DELETE compare against.
 */
import { createHash } from 'node:crypto';

type Entry = Record<string, unknown>;

function addEntry(sha: ReturnType<typeof createHash>, entry: Entry, out: Entry): void {
  for (const k of Object.keys(entry).sort()) {
    const v = entry[k];
    if (v === undefined || v === null) continue;
    out[k] = v;
    // Perl's Digest::SHA only sees scalars; references (e.g. a rule's `errors`) are skipped.
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') {
      sha.update(`${k}:${String(v)}\n`);
    }
  }
}

/** Copies each entry (dropping undefined keys) and stamps the list digest on every copy. */
export function copyListWithDigest<T extends object>(
  list: readonly T[],
): { list: (T & { digest: string })[]; digest: string } {
  const sha = createHash('sha1');
  const copies: Entry[] = list.map((entry) => {
    const out: Entry = {};
    addEntry(sha, entry as Entry, out);
    return out;
  });
  const digest = sha.digest('hex');
  for (const c of copies) c['digest'] = digest;
  return { list: copies as (T & { digest: string })[], digest };
}

/** Copies an object (dropping undefined keys) and adds its `digest`. */
export function copyObjectWithDigest(object: Entry): { object: Entry; digest: string } {
  const sha = createHash('sha1');
  const out: Entry = {};
  addEntry(sha, object, out);
  const digest = sha.digest('hex');
  out['digest'] = digest;
  return { object: out, digest };
}

/** PVE::Tools::assert_if_modified: only compares when both digests are present. */
export function digestMatches(current: string, given: unknown): boolean {
  return typeof given !== 'string' || given === '' || given === current;
}

export const MODIFIED_MESSAGE =
  'detected modified configuration - file changed by other user? Try again.';
