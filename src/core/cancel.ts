/**
 * The cancellation signal of the reconcile in progress, carried with the async context so that the
 * Proxmox client and the appliance transports honour `ctx.signal` without every call site passing it
 * along (Go's context.Context, made ambient). The controller runs each reconcile inside
 * `withSignal`; I/O adapters read `ambientSignal()` when a call starts.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const current = new AsyncLocalStorage<AbortSignal>();

/** Runs `fn` with `signal` as the ambient cancellation signal of everything it awaits. */
export function withSignal<T>(signal: AbortSignal, fn: () => T): T {
  return current.run(signal, fn);
}

/** The signal of the reconcile this code runs for, if any. */
export function ambientSignal(): AbortSignal | undefined {
  return current.getStore();
}

/** `a` and `b` combined: aborts when either does (either may be absent). */
export function anySignal(
  a: AbortSignal | null | undefined,
  b: AbortSignal | null | undefined,
): AbortSignal | undefined {
  if (!a) return b ?? undefined;
  if (!b) return a;
  return AbortSignal.any([a, b]);
}
