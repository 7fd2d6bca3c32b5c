/**
 * Reads the whole manifests folder into a {@link SourceSnapshot}. Level-triggered: every read lists and
 * parses everything (10,000 manifests take well under a second), so a missed watch event can never
 * leave pxr with a stale view.
 *
 * git-sync: the folder may be, or contain, a symlink that is swapped atomically to a new worktree. The
 * real path is resolved at every read and paths are reported as seen through the link (`current/x.yaml`),
 * so they stay stable across swaps. Dot entries (`.git`, `.worktrees`, git-sync's `..data`) are skipped
 * unless reached through a link.
 *
 * Only regular files are read (a link to one is followed): a FIFO, device or socket with a manifest
 * name is an issue of that file, never opened for reading, and files are opened non-blocking so one
 * swapped in between the check and the open cannot block the read either. A file larger than
 * `maxFileBytes` is an issue too (a link to `/dev/zero` or a runaway generator must not eat memory).
 *
 * Partly invalid files: their valid documents are delivered and the file is listed in `invalidFiles`,
 * so objects it used to hold (now invalid or unreadable) are kept rather than pruned. An unparsable
 * file delivers nothing and is listed too.
 */
import { constants } from 'node:fs';
import type { BigIntStats, Stats } from 'node:fs';
import { lstat, open, readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../core/clock.js';
import { PxrError } from '../core/errors.js';
import type { SourceIssue, SourceSnapshot } from './types.js';
import type { CheckedFile, ManifestValidator } from './validate.js';
import { gitRevisionOf } from './git-revision.js';

const MANIFEST_RE = /\.(ya?ml|json)$/;
const READ_CONCURRENCY = 32;
/** Default largest manifest file (1 MiB): far above any real manifest, far below harm. */
export const DEFAULT_MAX_FILE_BYTES = 1024 * 1024;
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY;

export interface ReadOptions {
  validator: ManifestValidator;
  clock: Clock;
  /**
   * Results of earlier reads: a file whose identity (path, inode, size, mtime, ctime, revision) is
   * unchanged is not parsed again. Parsing dominates a read, so this makes re-reads after a small
   * change cheap. Omit it for a read that must trust nothing (the periodic safety-net re-list).
   */
  cache?: ReadCache;
  /** Largest manifest file read; a larger one is an issue. @default 1 MiB */
  maxFileBytes?: number;
}

/** Per-file check results kept between reads (see {@link ReadOptions.cache}). */
export class ReadCache {
  private entries = new Map<string, { key: string; checked: CheckedFile }>();

  get(file: string, key: string): CheckedFile | undefined {
    const e = this.entries.get(file);
    return e?.key === key ? e.checked : undefined;
  }

  set(file: string, key: string, checked: CheckedFile): void {
    this.entries.set(file, { key, checked });
  }

  /** Forgets files that are gone. */
  retain(files: ReadonlySet<string>): void {
    for (const f of this.entries.keys()) if (!files.has(f)) this.entries.delete(f);
  }

  get size(): number {
    return this.entries.size;
  }
}

export interface ReadResult {
  snapshot: SourceSnapshot;
  /** Real paths to watch: the resolved root and every directory or file reached through a symlink. */
  watchRoots: string[];
  /** Symlinks crossed (path as seen → resolved target), the root included when it is a link. */
  links: Map<string, string>;
}

interface FoundFile {
  rel: string;
  real: string;
  revision: string | undefined;
}

export function isManifestFile(name: string): boolean {
  return MANIFEST_RE.test(name) && !name.startsWith('.');
}

export async function readManifestDir(root: string, opts: ReadOptions): Promise<ReadResult> {
  const links = new Map<string, string>();
  let rootReal: string;
  try {
    rootReal = await realpath(root);
    if ((await lstat(root)).isSymbolicLink()) links.set(root, rootReal);
    if (!(await stat(rootReal)).isDirectory()) throw new Error('not a directory');
  } catch (err) {
    throw new PxrError('SOURCE_UNREADABLE', `cannot read the manifests folder ${root}`, {
      cause: err,
      context: { root },
    });
  }
  const rootRevision = await gitRevisionOf(rootReal);
  const files: FoundFile[] = [];
  const issues: SourceIssue[] = [];
  const watchRoots = [rootReal];
  const visited = new Set<string>([rootReal]);

  const walk = async (dirReal: string, relDir: string, revision?: string): Promise<void> => {
    // An unlistable folder fails the whole read: skipping it would look like its files were deleted.
    const entries = await readdir(dirReal, { withFileTypes: true }).catch((err: unknown) => {
      throw new PxrError('SOURCE_UNREADABLE', `cannot list ${relDir || '.'} in ${root}`, {
        cause: err,
        context: { root, dir: relDir },
      });
    });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const rel = relDir === '' ? e.name : `${relDir}/${e.name}`;
      const abs = join(dirReal, e.name);
      if (e.isSymbolicLink()) {
        let target: string;
        let isDir: boolean;
        try {
          target = await realpath(abs);
          isDir = (await stat(target)).isDirectory();
        } catch (err) {
          // A dangling link (e.g. mid-swap): whatever it held must stay in force until it resolves.
          issues.push({
            file: rel,
            line: 1,
            column: 1,
            field: '',
            message: `broken symlink: ${errText(err)}`,
          });
          continue;
        }
        links.set(join(root, rel), target);
        if (isDir) {
          if (visited.has(target)) continue; // a link loop or a second path to the same tree
          visited.add(target);
          watchRoots.push(target);
          await walk(target, rel, (await gitRevisionOf(target)) ?? revision);
        } else if (isManifestFile(e.name)) {
          // The link is watched as a link; edits of its target are only seen by watching the target.
          watchRoots.push(target);
          files.push({ rel, real: target, revision });
        }
      } else if (e.isDirectory()) {
        if (visited.has(abs)) continue;
        visited.add(abs);
        await walk(abs, rel, revision);
      } else if (!e.isDirectory() && isManifestFile(e.name)) {
        // Not only regular files: a FIFO or device here is reported by checkOne, not silently skipped.
        files.push({ rel, real: abs, revision });
      }
    }
  };
  await walk(rootReal, '', rootRevision);

  const checked: CheckedFile[] = new Array<CheckedFile>(files.length);
  for (let i = 0; i < files.length; i += READ_CONCURRENCY) {
    await Promise.all(
      files.slice(i, i + READ_CONCURRENCY).map(async (f, j) => {
        checked[i + j] = await checkOne(f, opts);
      }),
    );
  }
  opts.cache?.retain(new Set(files.map((f) => f.rel)));
  const result = opts.validator.combine(checked);
  const brokenLinks = issues.map((i) => i.file);
  const docRevisions = new Set(result.docs.map((d) => d.revision));
  const only = docRevisions.size === 1 ? [...docRevisions][0] : undefined;
  const revision = rootRevision ?? only;
  const snapshot: SourceSnapshot = {
    docs: result.docs,
    issues: [...issues, ...result.issues],
    invalidFiles: [...new Set([...brokenLinks, ...result.invalidFiles])].sort(),
    fileCount: files.length,
    readAt: opts.clock.now(),
    ...(revision !== undefined ? { revision } : {}),
  };
  return { snapshot, watchRoots, links };
}

async function checkOne(f: FoundFile, opts: ReadOptions): Promise<CheckedFile> {
  const refused = (message: string): CheckedFile => ({
    // Unreadable now (vanished mid-read, permissions, not a file): keep its objects; a later read
    // settles it.
    file: f.rel,
    docs: [],
    issues: [{ file: f.rel, line: 1, column: 1, field: '', message }],
  });
  const unreadable = (err: unknown): CheckedFile => refused(`cannot read: ${errText(err)}`);
  const maxBytes = opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const unfit = (st: Stats | BigIntStats): string | undefined =>
    !st.isFile()
      ? `not a regular file (${fileType(st)}); only regular files are read as manifests`
      : st.size > maxBytes
        ? `file is ${st.size} bytes; a manifest file may hold at most ${maxBytes} bytes`
        : undefined;
  let key: string;
  try {
    // stat, not lstat: a link to a regular file is followed (git-sync, ConfigMap-style `..data` links).
    const st = await stat(f.real, { bigint: true });
    const problem = unfit(st);
    if (problem !== undefined) return refused(problem);
    key = [f.real, st.ino, st.size, st.mtimeNs, st.ctimeNs, f.revision ?? ''].join('|');
  } catch (err) {
    return unreadable(err);
  }
  const hit = opts.cache?.get(f.rel, key);
  if (hit) return hit;
  let text: string;
  try {
    const r = await readBounded(f.real, maxBytes, unfit);
    if (typeof r !== 'string') return refused(r.problem);
    text = r;
  } catch (err) {
    return unreadable(err);
  }
  const checked = opts.validator.checkFile(opts.validator.parse(f.rel, text), f.revision);
  opts.cache?.set(f.rel, key, checked);
  return checked;
}

/**
 * Reads a regular file of at most `maxBytes`. Opened non-blocking (a FIFO swapped in since the stat
 * would otherwise block a libuv thread forever) and checked again on the open descriptor; returns
 * why instead of text when the file is not fit to read.
 */
async function readBounded(
  path: string,
  maxBytes: number,
  unfit: (st: Stats) => string | undefined,
): Promise<string | { problem: string }> {
  const fh = await open(path, OPEN_FLAGS);
  try {
    const st = await fh.stat();
    const problem = unfit(st);
    if (problem !== undefined) return { problem };
    // One byte more than the stat said, grown as needed: a file that grew since is still read whole,
    // and one that grew past the limit is caught.
    let buf = Buffer.allocUnsafe(Math.min(st.size, maxBytes) + 1);
    let used = 0;
    for (;;) {
      if (used === buf.length) {
        if (used > maxBytes) {
          return { problem: `file grew past ${maxBytes} bytes (the most a manifest may hold)` };
        }
        const bigger = Buffer.allocUnsafe(Math.min(buf.length * 2, maxBytes + 1));
        buf.copy(bigger, 0, 0, used);
        buf = bigger;
      }
      const { bytesRead } = await fh.read(buf, used, buf.length - used, null);
      if (bytesRead === 0) break;
      used += bytesRead;
    }
    return buf.toString('utf8', 0, used);
  } finally {
    await fh.close();
  }
}

function fileType(st: Stats | BigIntStats): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  if (st.isDirectory()) return 'a directory';
  return 'not a file';
}

function errText(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e.code ?? (err instanceof Error ? err.message : String(err));
}
