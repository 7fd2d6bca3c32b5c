/**
 * `--state FILE`: the simulated cluster survives restarts. Writes are atomic (temp file + rename)
 * and debounced after changes; a file that cannot be read as a state of a known version stops the
 * simulator with a clear error and is never overwritten.
 */
import { mkdir, readFile, rename, writeFile, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { PxrError } from '../core/errors.js';
import type { Clock } from '../core/clock.js';
import type { SimState } from './state.js';

export const STATE_FILE_VERSION = 1;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Reads a state file. Returns undefined when the file does not exist.
 * @throws PxrError `SIM_STATE_CORRUPT` (unreadable, not JSON, wrong shape) or
 *   `SIM_STATE_VERSION` (written by an unknown format version).
 */
export async function loadStateFile(path: string): Promise<SimState | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new PxrError('SIM_STATE_CORRUPT', `cannot read simulator state file ${path}`, {
      cause: err,
      context: { path },
    });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new PxrError(
      'SIM_STATE_CORRUPT',
      `simulator state file ${path} is not valid JSON; refusing to start (move it away or fix it)`,
      { cause: err, context: { path } },
    );
  }
  if (!isRecord(data) || typeof data.version !== 'number') {
    throw new PxrError(
      'SIM_STATE_CORRUPT',
      `simulator state file ${path} is not a pxr simulator state; refusing to start`,
      { context: { path } },
    );
  }
  if (data.version !== STATE_FILE_VERSION) {
    throw new PxrError(
      'SIM_STATE_VERSION',
      `simulator state file ${path} has version ${data.version}, this pxr understands version ${STATE_FILE_VERSION}; refusing to start`,
      { context: { path, version: data.version } },
    );
  }
  const shapeOk =
    isRecord(data.nodes) &&
    Array.isArray(data.tasks) &&
    isRecord(data.tokens) &&
    isRecord(data.users) &&
    isRecord(data.firewall) &&
    isRecord(data.nextId) &&
    typeof data.nextPid === 'number' &&
    typeof data.rng === 'number' &&
    Object.values(data.nodes).every((n) => isRecord(n) && isRecord(n.lxc) && isRecord(n.storages));
  if (!shapeOk) {
    throw new PxrError(
      'SIM_STATE_CORRUPT',
      `simulator state file ${path} is missing required fields; refusing to start`,
      { context: { path } },
    );
  }
  return data as unknown as SimState;
}

/** Writes `state` to `path` atomically: a reader sees the old file or the new one, never half. */
export async function writeStateFile(path: string, state: SimState): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(tmp, `${JSON.stringify(state)}\n`, { mode: 0o600 });
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined); // best effort; the write error below is what matters
    throw new PxrError('SIM_STATE_WRITE', `cannot write simulator state file ${path}`, {
      cause: err,
      context: { path },
    });
  }
}

/** Debounced saver: `touch()` after changes, `flush()` to write now (on stop). */
export class StatePersister {
  private cancel: (() => void) | undefined;
  private dirty = false;
  private chain: Promise<void> = Promise.resolve();
  private lastError: unknown;

  constructor(
    private readonly path: string,
    private readonly state: () => SimState,
    private readonly clock: Clock,
    private readonly debounceMs: number,
    private readonly onError: (err: unknown) => void,
  ) {}

  touch(): void {
    this.dirty = true;
    if (this.cancel) return;
    this.cancel = this.clock.setTimer(this.debounceMs, () => {
      this.cancel = undefined;
      void this.write().catch(this.onError);
    });
  }

  private write(): Promise<void> {
    // A failed earlier write must not block later ones (its error went to onError already).
    this.chain = this.chain
      .catch(() => undefined)
      .then(async () => {
        if (!this.dirty) return;
        this.dirty = false;
        try {
          await writeStateFile(this.path, this.state());
          this.lastError = undefined;
        } catch (err) {
          this.dirty = true;
          this.lastError = err;
          throw err;
        }
      });
    return this.chain;
  }

  /** Writes pending changes now; rejects with the write error if it fails. */
  async flush(): Promise<void> {
    this.cancel?.();
    this.cancel = undefined;
    await this.write();
    if (this.lastError !== undefined) {
      throw this.lastError instanceof Error
        ? this.lastError
        : new Error(JSON.stringify(this.lastError));
    }
  }
}
