/**
 * Errors carry a stable `code`, their cause and their context. A `TerminalError` means "retrying will
 * not help": the runtime stops retrying and sets `Stalled=True` with the error's reason.
 */
export class PxrError extends Error {
  readonly code: string;
  readonly context: Record<string, unknown>;
  constructor(
    code: string,
    message: string,
    opts: { cause?: unknown; context?: Record<string, unknown> } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'PxrError';
    this.code = code;
    this.context = opts.context ?? {};
  }
}

/** Bad spec or an impossible request: no retry, `Stalled=True` with `reason`. */
export class TerminalError extends PxrError {
  readonly reason: string;
  constructor(
    reason: string,
    message: string,
    opts: { cause?: unknown; context?: Record<string, unknown> } = {},
  ) {
    super('TERMINAL', message, opts);
    this.name = 'TerminalError';
    this.reason = reason;
  }
}

export function isTerminal(err: unknown): err is TerminalError {
  return err instanceof TerminalError;
}

/** Turns anything thrown into an Error (a reconciler may throw a string or a plain object). */
export function toError(err: unknown): Error {
  if (err instanceof Error) return err;
  return new Error(typeof err === 'string' ? err : JSON.stringify(err));
}
