/**
 * Watches the manifests folder and delivers a full {@link SourceSnapshot} after each debounced batch of
 * changes, plus one at start-up (before any worker runs) and one every `resyncMs` as a safety net.
 *
 * chokidar does not follow a symlink whose target is swapped (git-sync's `--link`), so links are
 * watched as links (`followSymlinks: false`): swapping one is a change event on the link itself. Their
 * targets are watched as separate roots, and whenever a read finds that the set of roots changed the
 * watchers are rebuilt and the folder read once more (to cover the gap).
 */
import { watch } from 'chokidar';
import type { FSWatcher } from 'chokidar';
import type { Stats } from 'node:fs';
import { lstat, stat } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import type { Clock } from '../core/clock.js';
import { toError } from '../core/errors.js';
import type { KindDefinition } from '../core/kind.js';
import { ChangeBatcher } from './change-batcher.js';
import { ReadCache, isManifestFile, readManifestDir } from './reader.js';
import type { SourceSnapshot } from './types.js';
import { ManifestValidator } from './validate.js';

/** The batch reason of the periodic safety-net re-list. */
const RESYNC = '\0resync';
/** The batch reason of a retry after a failed read. */
const RETRY = '\0retry';

export interface ManifestWatcherOptions {
  /** The manifests folder (may be a symlink swapped by git-sync). */
  root: string;
  clock: Clock;
  /** Receives every snapshot, one at a time (the next read waits for it). */
  onSnapshot(snapshot: SourceSnapshot): void | Promise<void>;
  /** Receives read failures (folder gone...) and watcher errors; watching goes on. */
  onError(err: Error): void;
  /** The kinds whose documents are valid (the composition root passes the registry's). */
  kinds: readonly KindDefinition[];
  /** Quiet time after the last change before re-reading. @default 300 */
  debounceMs?: number;
  /** Longest a change waits under a constant stream of events. @default 2000 */
  maxWaitMs?: number;
  /** Full re-read even without events. @default 300000 (5 min) */
  resyncMs?: number;
  /**
   * First retry after a failed read, doubled per failure up to `resyncMs`. A folder that comes back
   * may send no event the watchers can see (its watch died with it). @default 1000
   */
  retryMs?: number;
  /** Poll instead of using inotify (network filesystems). @default false */
  usePolling?: boolean;
}

export interface ManifestWatcher {
  /** Starts watching; resolves once the first full snapshot has been delivered. */
  start(): Promise<void>;
  /** Stops watching; resolves when the read in flight (if any) has finished. */
  close(): Promise<void>;
}

export function watchManifests(opts: ManifestWatcherOptions): ManifestWatcher {
  return new Watcher(opts);
}

class Watcher implements ManifestWatcher {
  private readonly validator: ManifestValidator;
  private readonly batcher: ChangeBatcher;
  private watchers: FSWatcher[] = [];
  private watchKey = '';
  private cancelResync: (() => void) | undefined;
  private cancelRetry: (() => void) | undefined;
  private retryDelay: number | undefined;
  private closed = false;
  private readonly root: string;
  private cache = new ReadCache();

  constructor(private readonly opts: ManifestWatcherOptions) {
    this.root = resolve(opts.root);
    this.validator = new ManifestValidator(opts.kinds);
    this.batcher = new ChangeBatcher({
      clock: opts.clock,
      debounceMs: opts.debounceMs ?? 300,
      maxWaitMs: opts.maxWaitMs ?? 2000,
      run: (batch) => this.read(batch.has(RESYNC)),
      onError: (err) => this.opts.onError(err),
    });
  }

  async start(): Promise<void> {
    // The first read must not be swallowed by the batcher's error handler: a missing folder fails start.
    const first = await readManifestDir(this.root, {
      validator: this.validator,
      clock: this.opts.clock,
      cache: this.cache,
    });
    await this.opts.onSnapshot(first.snapshot);
    await this.rewatch(first.watchRoots, first.links);
    // Changes made between that read and the watchers being ready would otherwise be missed.
    this.batcher.notify('start');
    this.scheduleResync();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.cancelResync?.();
    this.cancelRetry?.();
    await this.batcher.close();
    await Promise.all(this.watchers.map((w) => w.close()));
    this.watchers = [];
  }

  private scheduleResync(): void {
    if (this.closed) return;
    this.cancelResync = this.opts.clock.setTimer(this.opts.resyncMs ?? 300_000, () => {
      this.batcher.flush(RESYNC).then(
        () => this.scheduleResync(),
        (err: unknown) => this.opts.onError(toError(err)),
      );
    });
  }

  /** Reads again after a failed read, backing off; a read that succeeds resets the delay. */
  private scheduleRetry(): void {
    if (this.closed || this.cancelRetry) return;
    const max = this.opts.resyncMs ?? 300_000;
    const delay = Math.min(this.retryDelay ?? this.opts.retryMs ?? 1000, max);
    this.retryDelay = Math.min(delay * 2, max);
    this.cancelRetry = this.opts.clock.setTimer(delay, () => {
      this.cancelRetry = undefined;
      this.batcher.notify(RETRY);
    });
  }

  /** Reads the folder; a resync trusts no cached parse (a missed event cannot outlive it). */
  private async read(resync: boolean): Promise<void> {
    if (this.closed) return;
    const cache = resync ? new ReadCache() : this.cache;
    let r: Awaited<ReturnType<typeof readManifestDir>>;
    try {
      r = await readManifestDir(this.root, {
        validator: this.validator,
        clock: this.opts.clock,
        cache,
      });
    } catch (err) {
      this.scheduleRetry();
      throw err;
    }
    this.retryDelay = undefined;
    this.cache = cache;
    if (this.closed) return;
    await this.opts.onSnapshot(r.snapshot);
    if (await this.rewatch(r.watchRoots, r.links)) this.batcher.notify('rewatch');
  }

  /** Rebuilds the chokidar watchers when the roots to watch changed; true when it did. */
  private async rewatch(roots: string[], links: Map<string, string>): Promise<boolean> {
    const linkParents = (await this.rootIsLink()) ? [dirname(this.root)] : [];
    // A folder replaced at the same path (moved away and created anew) keeps its path but not its
    // identity: chokidar's watches stay on the old directory, so the identities are part of the key.
    const ids = await Promise.all(roots.map((r) => this.identity(r)));
    const key = JSON.stringify([roots, ids, [...links].sort(), linkParents]);
    if (key === this.watchKey || this.closed) return false;
    this.watchKey = key;
    const old = this.watchers;
    this.watchers = [];
    await Promise.all(old.map((w) => w.close()));
    const onEvent = (_event: string, path: string): void => this.batcher.notify(path);
    const common = {
      ignoreInitial: true,
      followSymlinks: false,
      usePolling: this.opts.usePolling ?? false,
    };
    const main = watch(roots, { ...common, ignored: (p, st) => ignored(roots, p, st) });
    this.watchers.push(main);
    if (linkParents.length > 0) {
      // The root itself is a link: watch its parent, but only for the link entry.
      const root = this.root.replace(/[\\/]+$/, '');
      const parent = watch(linkParents, {
        ...common,
        depth: 0,
        ignored: (p) => p !== root && !linkParents.includes(p),
      });
      this.watchers.push(parent);
    }
    for (const w of this.watchers) {
      w.on('all', onEvent);
      w.on('error', (err: unknown) => this.opts.onError(toError(err)));
    }
    await Promise.all(
      this.watchers.map((w) => new Promise<void>((ok) => w.once('ready', () => ok()))),
    );
    return true;
  }

  /** `dev:ino` of a watched root, or '' when it cannot be read now (the next read retries). */
  private async identity(path: string): Promise<string> {
    try {
      const st = await stat(path, { bigint: true });
      return `${st.dev}:${st.ino}`;
    } catch {
      return '';
    }
  }

  private async rootIsLink(): Promise<boolean> {
    try {
      return (await lstat(this.root)).isSymbolicLink();
    } catch (err) {
      this.opts.onError(toError(err));
      return false;
    }
  }
}

/** Ignores dot entries below a watched root and files that are not manifests. */
function ignored(roots: readonly string[], path: string, stats?: Stats): boolean {
  // The most specific root decides: a git-sync worktree lies in a dot dir of the folder's own root.
  let root: string | undefined;
  for (const r of roots) {
    if ((path === r || path.startsWith(r + sep)) && r.length > (root?.length ?? -1)) root = r;
  }
  if (root === undefined || path === root) return false;
  const rel = path.slice(root.length + 1);
  if (rel.split(sep).some((seg) => seg.startsWith('.'))) return true;
  return stats?.isFile() === true && !isManifestFile(rel.split(sep).pop() ?? '');
}
