/**
 * The `pct` transport: ssh to the Proxmox node, then `pct exec <vmid> -- argv` to run inside the
 * container. The node's shell parses the command line once and `pct exec` hands argv to the container
 * without another shell, so one round of quoting (done by the ssh transport) is exactly right.
 *
 * Writes stage the content in a temp file on the node, `pct push` it to a temp name in the target's own
 * folder inside the container, then rename it there: readers in the container never see a partial file.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { PxrError } from '../../core/errors.js';
import {
  checkRemotePath,
  listDirVia,
  octalMode,
  readFileVia,
  removeFileVia,
} from './remote-files.js';
import {
  createSshTransport,
  DEFAULT_EXEC_TIMEOUT_MS,
  withRemoteTimeout,
  type SshExecOptions,
  type SshTransportOptions,
} from './ssh.js';
import type { ExecOptions, ExecResult, Transport } from './types.js';

export interface PctTransportOptions {
  /** How to reach the Proxmox node: ssh options (a connection owned by this transport), or an open
   * transport to the node shared with others (left open by {@link Transport.close}). */
  ssh: SshTransportOptions | Transport;
  vmid: number;
  /** The `pct` command on the node. @default 'pct' */
  pctPath?: string;
  /**
   * Also put the command inside the container under `timeout -s KILL` (see the ssh option of the same
   * name): killing `pct exec` on the node does not reliably stop what it started in the container.
   * @default true
   */
  killOnTimeout?: boolean;
  /** Folder on the node where writes are staged before `pct push`. @default '/tmp' */
  nodeTmpDir?: string;
  logger?: Logger;
}

export function createPctTransport(opts: PctTransportOptions): Transport {
  return new PctTransport(opts);
}

function isTransport(x: SshTransportOptions | Transport): x is Transport {
  return typeof (x as Transport).exec === 'function';
}

const NESTED_GRACE_MS = 2_000;

/** Stages stdin in a fresh temp file on the node and prints its path. */
const STAGE = 't=$(mktemp "$1/pxr-push.XXXXXX") && cat > "$t" && printf %s "$t"';

class PctTransport implements Transport {
  readonly description: string;
  private readonly node: Transport;
  private readonly ownsNode: boolean;
  private readonly vmid: string;
  private readonly pct: string;
  private readonly nodeTmpDir: string;
  private readonly log: Logger | undefined;
  private readonly killOnTimeout: boolean;

  constructor(opts: PctTransportOptions) {
    if (!Number.isInteger(opts.vmid) || opts.vmid < 100) {
      throw new PxrError('PCT_BAD_VMID', `not a container id: ${opts.vmid}`, {
        context: { vmid: opts.vmid },
      });
    }
    this.ownsNode = !isTransport(opts.ssh);
    this.node = isTransport(opts.ssh) ? opts.ssh : createSshTransport(opts.ssh);
    this.vmid = String(opts.vmid);
    this.pct = opts.pctPath ?? 'pct';
    this.nodeTmpDir = opts.nodeTmpDir ?? '/tmp';
    this.killOnTimeout = opts.killOnTimeout ?? true;
    this.description = `pct ${this.vmid} via ${this.node.description}`;
    const logger = opts.logger ?? (isTransport(opts.ssh) ? undefined : opts.ssh.logger);
    this.log = logger?.child({ transport: this.description });
  }

  exec(argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
    const inside = this.killOnTimeout
      ? withRemoteTimeout(argv, opts.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS)
      : argv;
    // The grace lets the deadline inside the container fire before the one around `pct exec`.
    const outer: SshExecOptions = { ...opts, remoteGraceMs: NESTED_GRACE_MS };
    return this.node.exec([this.pct, 'exec', this.vmid, '--', ...inside], outer);
  }

  readFile(path: string): Promise<string | undefined> {
    return readFileVia((a, o) => this.exec(a, o), this.description, path);
  }

  removeFile(path: string): Promise<void> {
    return removeFileVia((a, o) => this.exec(a, o), this.description, path);
  }

  listDir(path: string): Promise<string[]> {
    return listDirVia((a, o) => this.exec(a, o), this.description, path);
  }

  async writeFile(path: string, content: string, opts: { mode?: number } = {}): Promise<void> {
    checkRemotePath(path);
    const perms = octalMode(opts.mode ?? 0o644);
    const dir = path.slice(0, path.lastIndexOf('/')) || '/';
    const staged = await this.node.exec(['sh', '-c', STAGE, 'sh', this.nodeTmpDir], {
      stdin: content,
    });
    const nodeTmp = staged.stdout;
    if (staged.code !== 0 || !nodeTmp.startsWith('/')) {
      throw this.failed('PCT_STAGE_FAILED', `staging ${path} on the node`, path, staged);
    }
    try {
      await this.pushAndRename(path, dir, nodeTmp, perms);
    } finally {
      await this.removeStaged(nodeTmp);
    }
  }

  async close(): Promise<void> {
    if (this.ownsNode) await this.node.close();
  }

  private async pushAndRename(
    path: string,
    dir: string,
    nodeTmp: string,
    perms: string,
  ): Promise<void> {
    const mkdir = await this.exec(['mkdir', '-p', '--', dir]);
    if (mkdir.code !== 0) throw this.failed('PCT_WRITE_FAILED', `creating ${dir}`, path, mkdir);
    // The temp name lives in the target's folder so the final `mv` is a rename, never a copy.
    const ctTmp = `${dir === '/' ? '' : dir}/.pxr-tmp.${randomBytes(6).toString('hex')}`;
    const push = await this.node.exec([
      this.pct,
      'push',
      this.vmid,
      nodeTmp,
      ctTmp,
      '--perms',
      perms,
    ]);
    if (push.code !== 0) {
      await this.cleanup(ctTmp);
      throw this.failed('PCT_PUSH_FAILED', `pushing ${path}`, path, push);
    }
    const mv = await this.exec(['mv', '-f', '--', ctTmp, path]);
    if (mv.code !== 0) {
      await this.cleanup(ctTmp);
      throw this.failed('PCT_WRITE_FAILED', `renaming into ${path}`, path, mv);
    }
  }

  /** A staged file left on the node is harmless (a temp dir), so a failure here is logged, not thrown. */
  private async removeStaged(nodeTmp: string): Promise<void> {
    try {
      const r = await this.node.exec(['rm', '-f', '--', nodeTmp]);
      if (r.code !== 0)
        this.log?.warn({ nodeTmp, stderr: r.stderr.trim() }, 'staged file left behind');
    } catch (err) {
      this.log?.warn({ err, nodeTmp }, 'staged file left behind');
    }
  }

  /** Best effort after a failed write: the write's own error is what the caller must see. */
  private async cleanup(ctTmp: string): Promise<void> {
    try {
      const r = await this.exec(['rm', '-f', '--', ctTmp]);
      if (r.code !== 0) this.log?.warn({ ctTmp, stderr: r.stderr.trim() }, 'temp file left behind');
    } catch (err) {
      this.log?.warn({ err, ctTmp }, 'temp file left behind');
    }
  }

  private failed(code: string, what: string, path: string, r: ExecResult): PxrError {
    const stderr = r.stderr.trim().slice(0, 500);
    return new PxrError(
      code,
      `${what} via ${this.description} failed (exit ${r.code})${stderr ? `: ${stderr}` : ''}`,
      { context: { path, transport: this.description, exitCode: r.code, stderr } },
    );
  }
}
