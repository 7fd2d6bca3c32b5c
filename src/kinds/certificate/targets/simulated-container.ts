/**
 * The inside of an AppContainer whose file target says `access.transport: simulated` (`pxr run
 * --sim`, tests): files with their mode and owner in memory, and the few commands the files target
 * runs — `chown`, `stat -c` — emulated. Any other command (a reload command) is recorded and
 * succeeds, except `false`, which fails (so a failing reload can be shown). Nothing runs a process.
 */
import { PxrError } from '../../../core/errors.js';
import { namesUnder } from '../../../appliance/transport/simulated.js';
import type { ExecOptions, ExecResult, Transport } from '../../../appliance/transport/types.js';

export interface SimulatedFile {
  content: string;
  mode: number;
  /** `user:group`. */
  owner: string;
}

const result = (code: number, stdout = '', stderr = ''): ExecResult => ({ code, stdout, stderr });

export class SimulatedContainer implements Transport {
  readonly files = new Map<string, SimulatedFile>();
  /** Every command run, in order. */
  readonly commands: string[][] = [];
  private closed = false;

  constructor(readonly description: string) {}

  exec(argv: readonly string[], _opts: ExecOptions = {}): Promise<ExecResult> {
    if (this.closed)
      return Promise.reject(new PxrError('TRANSPORT_CLOSED', `${this.description} is closed`));
    this.commands.push([...argv]);
    const [cmd, ...args] = argv;
    if (cmd === 'chown') return Promise.resolve(this.chown(args));
    if (cmd === 'stat') return Promise.resolve(this.stat(args));
    if (cmd === 'false') return Promise.resolve(result(1));
    return Promise.resolve(result(0));
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
    return Promise.resolve(this.files.get(path)?.content);
  }

  writeFile(path: string, content: string, opts: { mode?: number } = {}): Promise<void> {
    // A rename replaces the file: a new inode, owned by whoever wrote it.
    this.files.set(path, { content, mode: opts.mode ?? 0o644, owner: 'root:root' });
    return Promise.resolve();
  }

  removeFile(path: string): Promise<void> {
    this.files.delete(path);
    return Promise.resolve();
  }

  listDir(path: string): Promise<string[]> {
    return Promise.resolve(namesUnder(this.files.keys(), path));
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}
