/**
 * How pxr reaches inside the appliance container (ARCHITECTURE §7): the Proxmox API cannot exec in a
 * container, so every service is managed through a Transport — `ssh` straight into the appliance,
 * `pct` (ssh to the node, then `pct exec`/`pct push`), or the simulated one used by `pxr run --sim`.
 */
export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  /** Bytes written to the command's stdin. */
  stdin?: string | Buffer;
  /** Kill the command after this long. @default 30000 */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface Transport {
  /** A short description for logs and events (`ssh root@10.0.0.2:22`, `pct 105 via pve1`); never a secret. */
  readonly description: string;
  /**
   * Runs `argv` (no shell: each element is one argument, quoted safely by the transport). Resolves with
   * the exit code; rejects only when the command could not be run (connection, timeout).
   */
  exec(argv: readonly string[], opts?: ExecOptions): Promise<ExecResult>;
  /** Reads a file; undefined when it does not exist. */
  readFile(path: string): Promise<string | undefined>;
  /** Writes a file atomically (temp file in the same folder, then rename), creating parent folders. */
  writeFile(path: string, content: string, opts?: { mode?: number }): Promise<void>;
  /** Removes a file; no error when absent. */
  removeFile(path: string): Promise<void>;
  /** Names of the entries of a folder; [] when it does not exist. */
  listDir(path: string): Promise<string[]>;
  close(): Promise<void>;
}
