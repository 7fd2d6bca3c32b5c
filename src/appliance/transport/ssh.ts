/**
 * The `ssh` transport: one ssh2 connection straight into the appliance, reused by every command and
 * re-opened after it drops. Each command is one `exec` channel whose command line is the argv quoted
 * for a POSIX shell; a command that outlives its timeout is killed (signal to its process group, then
 * the channel is closed). File operations are small `sh` scripts over the same channel (remote-files.ts).
 */
import { constants } from 'node:os';
import type { Logger } from 'pino';
import PQueue from 'p-queue';
import type { Client, ClientChannel } from 'ssh2';
import { systemClock, type Clock } from '../../core/clock.js';
import { PxrError } from '../../core/errors.js';
import { shellQuote } from './quote.js';
import { listDirVia, readFileVia, removeFileVia, writeFileVia } from './remote-files.js';
import {
  checkPrivateKey,
  connectSsh,
  normaliseFingerprint,
  type ConnectOptions,
} from './ssh-connect.js';
import type { ExecOptions, ExecResult, Transport } from './types.js';

export interface SshTransportOptions {
  host: string;
  /** @default 22 */
  port?: number;
  username: string;
  /** The private key, PEM or OpenSSH text. Never logged and never part of an error. */
  privateKey: string;
  passphrase?: string;
  /** Where the key was read from, to name it in errors (never its content). */
  keyFile?: string;
  /**
   * The pinned host key, `SHA256:<base64>` as `ssh-keygen -lf <key>.pub` prints it. Any other key
   * refuses the connection with a `TerminalError` (reason `SshHostKeyMismatch`).
   */
  hostKeyFingerprint: string;
  /** Bound on TCP connect plus handshake plus auth. @default 10000 */
  connectTimeoutMs?: number;
  /**
   * Wrap every command in `timeout -s KILL <secs>` on the remote side (coreutils or busybox). Closing
   * the channel does not stop a remote command, and sshd ignores ssh `signal` requests in root sessions
   * (no privilege separation after a root login), so this is what really kills a command that ran
   * past its timeout. An aborted command is rejected at once but, as root, runs on until this
   * deadline at the latest. @default true
   */
  killOnTimeout?: boolean;
  /** Commands run at once over the connection (sshd's MaxSessions defaults to 10). @default 8 */
  maxConcurrent?: number;
  logger?: Logger;
  /** @default systemClock */
  clock?: Clock;
}

export const DEFAULT_EXEC_TIMEOUT_MS = 30_000;

export interface SshExecOptions extends ExecOptions {
  /**
   * Extra time the remote `timeout` wrapper allows beyond `timeoutMs` (the local deadline is unchanged).
   * A command that nests its own deadline (`pct exec -- timeout ...`) gets this so the inner one fires
   * first: the outer one would kill the inner `timeout` before it could kill its process group.
   * @default 0
   */
  remoteGraceMs?: number;
}

/**
 * `argv` under a remote deadline: `timeout -s KILL` kills the command and its whole process group
 * (GNU timeout puts both in a group of their own). An infinite timeout leaves `argv` as it is.
 */
export function withRemoteTimeout(argv: readonly string[], timeoutMs: number): readonly string[] {
  if (!Number.isFinite(timeoutMs)) return argv;
  const secs = (Math.max(1, timeoutMs) / 1000).toFixed(3).replace(/\.?0+$/, '');
  return ['timeout', '-s', 'KILL', secs, ...argv];
}

/**
 * Creates the transport without connecting: the first command connects. Throws a `TerminalError`
 * at once for a malformed fingerprint or an unusable private key.
 */
export function createSshTransport(opts: SshTransportOptions): Transport {
  return new SshTransport(opts);
}

/**
 * State lives in `#private` fields: a logger or `JSON.stringify` given this object must not reach the
 * private key (held in the connect options and inside ssh2's client).
 */
class SshTransport implements Transport {
  readonly description: string;
  readonly #conn: ConnectOptions;
  readonly #log: Logger | undefined;
  readonly #clock: Clock;
  readonly #queue: PQueue;
  #client: Promise<Client> | undefined;
  #live: Client | undefined;
  #closed = false;
  readonly #killOnTimeout: boolean;

  constructor(opts: SshTransportOptions) {
    const port = opts.port ?? 22;
    this.#clock = opts.clock ?? systemClock;
    const fingerprint = normaliseFingerprint(opts.hostKeyFingerprint);
    checkPrivateKey(opts.privateKey, opts.passphrase, opts.keyFile);
    this.#conn = {
      host: opts.host,
      port,
      username: opts.username,
      privateKey: opts.privateKey,
      passphrase: opts.passphrase,
      fingerprint,
      connectTimeoutMs: opts.connectTimeoutMs ?? 10_000,
      clock: this.#clock,
    };
    this.description = `ssh ${opts.username}@${opts.host}:${port}`;
    this.#log = opts.logger?.child({ transport: this.description });
    this.#killOnTimeout = opts.killOnTimeout ?? true;
    this.#queue = new PQueue({ concurrency: opts.maxConcurrent ?? 8 });
  }

  exec(argv: readonly string[], opts: SshExecOptions = {}): Promise<ExecResult> {
    // Quote first so a bad argv fails before anything is queued or connected.
    const remoteMs = (opts.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS) + (opts.remoteGraceMs ?? 0);
    const command = shellQuote(this.#killOnTimeout ? withRemoteTimeout(argv, remoteMs) : argv);
    const what = argv[0] ?? '';
    return this.#queue.add(() => this.run(command, what, opts, true));
  }

  readFile(path: string): Promise<string | undefined> {
    return readFileVia((a, o) => this.exec(a, o), this.description, path);
  }

  writeFile(path: string, content: string, opts: { mode?: number } = {}): Promise<void> {
    return writeFileVia((a, o) => this.exec(a, o), this.description, path, content, opts.mode);
  }

  removeFile(path: string): Promise<void> {
    return removeFileVia((a, o) => this.exec(a, o), this.description, path);
  }

  listDir(path: string): Promise<string[]> {
    return listDirVia((a, o) => this.exec(a, o), this.description, path);
  }

  async close(): Promise<void> {
    this.#closed = true;
    const pending = this.#client;
    this.#client = undefined;
    this.#live = undefined;
    if (!pending) return;
    try {
      (await pending).end();
    } catch {
      // A connection that never opened has nothing to close; its error went to the caller that waited.
      return;
    }
  }

  /** The live connection, opening one when there is none (one attempt shared by concurrent callers). */
  private connect(): Promise<Client> {
    if (this.#closed) {
      return Promise.reject(
        new PxrError('SSH_CLOSED', `${this.description} is closed`, {
          context: { transport: this.description },
        }),
      );
    }
    if (this.#client) return this.#client;
    const attempt = connectSsh(this.#conn, (c) => {
      // Only forget the connection that closed, not a newer one opened since.
      if (this.#live === c) {
        this.#live = undefined;
        this.#client = undefined;
      }
      this.#log?.info('ssh connection closed; the next command reconnects');
    });
    this.#client = attempt;
    attempt.then(
      (c) => {
        if (this.#client === attempt) this.#live = c;
        this.#log?.info('ssh connected');
      },
      (err: unknown) => {
        if (this.#client === attempt) this.#client = undefined;
        this.#log?.warn({ err }, 'ssh connection failed');
      },
    );
    return attempt;
  }

  private async run(
    command: string,
    what: string,
    opts: ExecOptions,
    mayRetry: boolean,
  ): Promise<ExecResult> {
    const client = await this.connect();
    const started = this.#clock.now();
    try {
      const r = await this.runOn(client, command, what, opts);
      this.#log?.debug({ cmd: what, code: r.code, ms: this.#clock.now() - started }, 'ssh exec');
      return r;
    } catch (err) {
      // A channel that could not be opened ran nothing (dead connection, or the server refused
      // another session), so a fresh connection and one more try are safe.
      if (mayRetry && err instanceof ChannelOpenError && !this.#closed) {
        this.#log?.info({ cmd: what, err: err.error }, 'ssh channel did not open; reconnecting');
        this.drop(client);
        return this.run(command, what, opts, false);
      }
      throw err instanceof ChannelOpenError ? err.error : err;
    }
  }

  private runOn(
    client: Client,
    command: string,
    what: string,
    opts: ExecOptions,
  ): Promise<ExecResult> {
    const timeoutMs = opts.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS;
    const context = { transport: this.description, command: what };
    return new Promise<ExecResult>((resolve, reject) => {
      let channel: ClientChannel | undefined;
      let settled = false;
      const out: Buffer[] = [];
      const errOut: Buffer[] = [];
      let exit: { code: number | null; signal?: string } | undefined;

      const settle = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        cancelTimer();
        opts.signal?.removeEventListener('abort', onAbort);
        fn();
      };
      const kill = (): void => {
        if (channel) {
          // Signal first (sshd delivers it to the command's process group), then drop the channel.
          sendSignal(channel, 'KILL');
          channel.close();
        } else {
          // Still waiting for the channel: the connection itself is suspect, so drop it.
          this.drop(client);
        }
      };
      const cancelTimer = this.#clock.setTimer(
        Number.isFinite(timeoutMs) ? timeoutMs : 2 ** 31 - 1,
        () => {
          settle(() =>
            reject(
              new PxrError(
                'SSH_EXEC_TIMEOUT',
                `${what} via ${this.description} timed out after ${timeoutMs} ms`,
                {
                  context: { ...context, timeoutMs },
                },
              ),
            ),
          );
          kill();
        },
      );
      const onAbort = (): void => {
        settle(() =>
          reject(
            new PxrError('SSH_EXEC_ABORTED', `${what} via ${this.description} was aborted`, {
              cause: opts.signal?.reason,
              context,
            }),
          ),
        );
        kill();
      };
      if (opts.signal?.aborted) {
        onAbort();
        return;
      }
      opts.signal?.addEventListener('abort', onAbort, { once: true });

      const onOpen = (err: Error | undefined, ch: ClientChannel): void => {
        if (err) {
          settle(() =>
            reject(
              new ChannelOpenError(
                new PxrError(
                  'SSH_EXEC_FAILED',
                  `${what} via ${this.description} could not start: ${err.message}`,
                  {
                    cause: err,
                    context,
                  },
                ),
              ),
            ),
          );
          return;
        }
        channel = ch;
        if (settled) {
          // Timed out or aborted while the channel was opening.
          kill();
          return;
        }
        ch.on('data', (b: Buffer) => out.push(b));
        ch.stderr.on('data', (b: Buffer) => errOut.push(b));
        ch.on('exit', (code: number | null, signal?: string) => {
          exit = { code, ...(signal === undefined ? {} : { signal }) };
        });
        ch.on('close', () => {
          settle(() => {
            if (!exit) {
              reject(
                new PxrError(
                  'SSH_EXEC_FAILED',
                  `${what} via ${this.description} ended without an exit status (connection lost?)`,
                  { context },
                ),
              );
              return;
            }
            resolve({
              code: exitCode(exit),
              stdout: Buffer.concat(out).toString('utf8'),
              stderr: Buffer.concat(errOut).toString('utf8'),
            });
          });
        });
        ch.on('error', (e: Error) => this.#log?.warn({ err: e, cmd: what }, 'ssh channel error'));
        if (opts.stdin === undefined) ch.end();
        else ch.end(opts.stdin);
      };
      try {
        client.exec(command, onOpen);
      } catch (err) {
        // ssh2 throws "Not connected" when the socket is already gone.
        onOpen(err as Error, undefined as unknown as ClientChannel);
      }
    });
  }

  /** Forgets and tears down a connection that is no longer trusted; the next command reconnects. */
  private drop(client: Client): void {
    if (this.#live === client) {
      this.#live = undefined;
      this.#client = undefined;
    }
    client.destroy();
  }
}

/** Marks an error raised before the command started (safe to retry on a fresh connection). */
class ChannelOpenError extends Error {
  constructor(readonly error: PxrError) {
    super(error.message);
  }
}

/** A command killed by a signal reports 128 + the signal's number, as a shell does. */
function exitCode(exit: { code: number | null; signal?: string }): number {
  if (exit.code !== null) return exit.code;
  const name = exit.signal?.startsWith('SIG') ? exit.signal : `SIG${exit.signal ?? ''}`;
  const n = (constants.signals as Record<string, number | undefined>)[name];
  return 128 + (n ?? 0);
}

interface ChannelInternals {
  outgoing?: { id?: number; state?: string };
  _client?: { _protocol?: { signal?: (id: number, name: string) => void } };
}

/**
 * Sends an ssh `signal` request (sshd delivers it to the command's whole process group). ssh2's public
 * `signal()` stays silent once stdin has been ended (it checks `writable` and state 'open'), which is
 * always the case here, so the request goes through the protocol object that method uses itself.
 */
function sendSignal(ch: ClientChannel, name: string): void {
  const internals = ch as unknown as ChannelInternals;
  const id = internals.outgoing?.id;
  const protocol = internals._client?._protocol;
  const state = internals.outgoing?.state;
  // After our EOF (stdin ended) the channel is in state 'eof': requests are still allowed then.
  if (id !== undefined && (state === 'open' || state === 'eof') && protocol?.signal) {
    protocol.signal(id, name);
  } else {
    ch.signal(name);
  }
}
