/**
 * The inside of an AppContainer whose file target says `access.transport: simulated` (`pxr run
 * --sim`, tests): files with their mode and owner in memory, and the few commands the files target
 * runs — `chown`, `stat -c` — emulated. Any other command (a reload command) is recorded and
 * succeeds, except `false`, which fails (so a failing reload can be shown). Nothing runs a process.
 * With a `GuestHome` (`pxr run --sim`) the files live in the container of the built-in simulator,
 * saved with the cluster like a simulated appliance's, so a restart or `pxr diff --sim` finds them.
 */
import { PxrError } from '../../../core/errors.js';
import { namesUnder, type GuestHome } from '../../../appliance/transport/simulated.js';
import type { GuestState } from '../../../sim/index.js';
import type { ExecOptions, ExecResult, Transport } from '../../../appliance/transport/types.js';

export interface SimulatedFile {
  content: string;
  mode: number;
  /** `user:group`. */
  owner: string;
}

/** A container reached for the first time: nothing written by pxr yet. */
const emptyGuest = (): GuestState => ({
  files: {},
  procs: {},
  nextPid: 1000,
  sysctl: {},
  caddy: { adminListen: '127.0.0.1:2019', config: null },
});

const result = (code: number, stdout = '', stderr = ''): ExecResult => ({ code, stdout, stderr });

export class SimulatedContainer implements Transport {
  readonly files = new Map<string, SimulatedFile>();
  /** Every command run, in order. */
  readonly commands: string[][] = [];
  private closed = false;

  constructor(
    readonly description: string,
    private readonly home?: GuestHome,
  ) {}

  exec(argv: readonly string[], _opts: ExecOptions = {}): Promise<ExecResult> {
    if (this.closed)
      return Promise.reject(new PxrError('TRANSPORT_CLOSED', `${this.description} is closed`));
    this.commands.push([...argv]);
    const [cmd, ...args] = argv;
    return this.inside(() => {
      if (cmd === 'chown') return this.chown(args);
      if (cmd === 'stat') return this.stat(args);
      return result(cmd === 'false' ? 1 : 0);
    });
  }

  /**
   * Runs `fn` on the files: with a home, they are loaded from the simulator's container first and
   * saved back after (an unreachable container rejects, as a failed connection does).
   */
  private inside<T>(fn: () => T): Promise<T> {
    try {
      const g = this.home?.guest(emptyGuest);
      if (g) {
        this.files.clear();
        for (const [path, content] of Object.entries(g.files)) {
          const meta = g.fileMeta?.[path];
          this.files.set(path, {
            content,
            mode: meta?.mode ?? 0o644,
            owner: meta?.owner ?? 'root:root',
          });
        }
      }
      const out = fn();
      if (g) this.save(g);
      return Promise.resolve(out);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private save(g: GuestState): void {
    const files: Record<string, string> = {};
    const meta: Record<string, { mode: number; owner: string }> = {};
    for (const [path, f] of this.files) {
      files[path] = f.content;
      meta[path] = { mode: f.mode, owner: f.owner };
    }
    if (JSON.stringify([files, meta]) === JSON.stringify([g.files, g.fileMeta ?? {}])) return;
    g.files = files;
    g.fileMeta = meta;
    this.home?.changed();
  }

  private chown(args: string[]): ExecResult {
    const [owner = '', ...rest] = args.filter((a) => a !== '--');
    const [user, group] = owner.split(':');
    for (const p of rest) {
      const f = this.files.get(p);
      if (!f) return result(1, '', `chown: cannot access '${p}': No such file or directory\n`);
      f.owner = `${user}:${group ?? f.owner.split(':')[1]}`;
    }
    return result(0);
  }

  /** Only the form the files target uses: `stat -c '%a %U:%G %u:%g' -- PATH...`. */
  private stat(args: string[]): ExecResult {
    const paths = args.slice(args.indexOf('--') + 1);
    const lines: string[] = [];
    for (const p of paths) {
      const f = this.files.get(p);
      if (!f) return result(1, '', `stat: cannot statx '${p}': No such file or directory\n`);
      lines.push(`${f.mode.toString(8)} ${f.owner} ${f.owner === 'root:root' ? '0:0' : f.owner}`);
    }
    return result(0, `${lines.join('\n')}\n`);
  }

  readFile(path: string): Promise<string | undefined> {
    return this.inside(() => this.files.get(path)?.content);
  }

  writeFile(path: string, content: string, opts: { mode?: number } = {}): Promise<void> {
    // A rename replaces the file: a new inode, owned by whoever wrote it.
    return this.inside(() => {
      this.files.set(path, { content, mode: opts.mode ?? 0o644, owner: 'root:root' });
    });
  }

  removeFile(path: string): Promise<void> {
    return this.inside(() => {
      this.files.delete(path);
    });
  }

  listDir(path: string): Promise<string[]> {
    return this.inside(() => namesUnder(this.files.keys(), path));
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}
