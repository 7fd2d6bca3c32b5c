/**
 * The transport for an appliance that is this machine (tests, or pxr running inside the appliance):
 * commands run with `spawn` and no shell, files are plain fs calls confined under `root`. `execPrefix`
 * puts every command inside something else — tests pass `['ip', 'netns', 'exec', ns]` to run the real
 * daemons in a network namespace they created.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { PxrError } from '../../core/errors.js';
import type { ExecOptions, ExecResult, Transport } from './types.js';

export interface LocalTransportOptions {
  /**
   * File paths given to readFile/writeFile/removeFile/listDir are taken under this folder; a path that
   * escapes it is refused. Command arguments are passed as they are (not rewritten), so a service
   * used with a root other than `/` needs a layout whose paths are already real. @default '/'
   */
  root?: string;
  /** Prepended to every command's argv. @default [] */
  execPrefix?: readonly string[];
  /** Extra environment for commands (merged over this process's). */
  env?: Record<string, string>;
  /** @default 30000 */
  defaultTimeoutMs?: number;
}

function errno(err: unknown): string | undefined {
  return err instanceof Error && 'code' in err
    ? String((err as { code: unknown }).code)
    : undefined;
}

export class LocalTransport implements Transport {
  readonly description: string;
  private readonly root: string;
  private readonly prefix: readonly string[];
  private readonly env: Record<string, string> | undefined;
  private readonly timeoutMs: number;

  constructor(opts: LocalTransportOptions = {}) {
    this.root = resolve(opts.root ?? '/');
    this.prefix = opts.execPrefix ?? [];
    this.env = opts.env;
    this.timeoutMs = opts.defaultTimeoutMs ?? 30_000;
    this.description =
      `local${this.root === '/' ? '' : ` root=${this.root}`}` +
      (this.prefix.length ? ` via ${this.prefix.join(' ')}` : '');
  }

  /** The real path of an appliance path. */
  localPath(path: string): string {
    const p = resolve(this.root, `.${sep}${path}`);
    if (p !== this.root && !p.startsWith(this.root === sep ? sep : this.root + sep))
      throw new PxrError('TRANSPORT_PATH_ESCAPES_ROOT', `path ${path} escapes the transport root`, {
        context: { path, root: this.root },
      });
    return p;
  }

  exec(argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
    const full = [...this.prefix, ...argv];
    const [cmd, ...args] = full;
    if (cmd === undefined)
      return Promise.reject(new PxrError('TRANSPORT_EMPTY_COMMAND', 'empty argv'));
    const timeoutMs = opts.timeoutMs ?? this.timeoutMs;
    return new Promise<ExecResult>((resolveExec, reject) => {
      const child = spawn(cmd, args, {
        stdio: ['pipe', 'pipe', 'pipe'],
        env: this.env ? { ...process.env, ...this.env } : process.env,
        signal: opts.signal,
        timeout: timeoutMs,
        killSignal: 'SIGKILL',
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (b: Buffer) => out.push(b));
      child.stderr.on('data', (b: Buffer) => err.push(b));
      let failed = false;
      child.on('error', (e) => {
        failed = true;
        // A missing program is an answer (exit 127, as a shell would say), not a broken transport.
        if (errno(e) === 'ENOENT')
          resolveExec({ code: 127, stdout: '', stderr: `${cmd}: not found\n` });
        else
          reject(
            new PxrError('TRANSPORT_EXEC_FAILED', `could not run ${argv[0] ?? ''}: ${e.message}`, {
              cause: e,
              context: { argv0: argv[0] },
            }),
          );
      });
      child.on('close', (code, signal) => {
        if (failed) return;
        if (code === null) {
          reject(
            new PxrError(
              signal === 'SIGKILL' ? 'TRANSPORT_TIMEOUT' : 'TRANSPORT_EXEC_FAILED',
              `${argv[0] ?? ''} ended by ${signal ?? 'a signal'}` +
                (signal === 'SIGKILL' ? ` (timeout ${timeoutMs} ms)` : ''),
              { context: { argv0: argv[0], timeoutMs } },
            ),
          );
          return;
        }
        resolveExec({
          code,
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: Buffer.concat(err).toString('utf8'),
        });
      });
      // A command that exits without reading stdin closes the pipe under us; that is its business.
      child.stdin.on('error', () => undefined);
      child.stdin.end(opts.stdin ?? '');
    });
  }

  async readFile(path: string): Promise<string | undefined> {
    const p = this.localPath(path);
    try {
      return await readFile(p, 'utf8');
    } catch (err) {
      if (errno(err) === 'ENOENT') return undefined;
      throw new PxrError('TRANSPORT_READ_FAILED', `could not read ${path}`, {
        cause: err,
        context: { path },
      });
    }
  }

  async writeFile(path: string, content: string, opts: { mode?: number } = {}): Promise<void> {
    const target = this.localPath(path);
    // Dot-prefixed temp name: dnsmasq's hostsdir watch ignores dot files, so it never reads a half file.
    const tmp = join(dirname(target), `.pxr-tmp.${randomBytes(6).toString('hex')}`);
    try {
      await mkdir(dirname(target), { recursive: true });
      await writeFile(tmp, content);
      // Set after writing: the mode given to open() is masked by the umask.
      await chmod(tmp, opts.mode ?? 0o644);
      await rename(tmp, target);
    } catch (err) {
      await rm(tmp, { force: true });
      throw new PxrError('TRANSPORT_WRITE_FAILED', `could not write ${path}`, {
        cause: err,
        context: { path },
      });
    }
  }

  async removeFile(path: string): Promise<void> {
    await rm(this.localPath(path), { force: true });
  }

  async listDir(path: string): Promise<string[]> {
    const p = this.localPath(path);
    try {
      return (await readdir(p)).sort();
    } catch (err) {
      if (errno(err) === 'ENOENT') return [];
      throw new PxrError('TRANSPORT_READ_FAILED', `could not list ${path}`, {
        cause: err,
        context: { path },
      });
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
