/**
 * A PveClient that "dies" at a chosen call, as the pxr process would: from then on no request
 * reaches Proxmox (every async call rejects), so nothing after the crash point — not even the
 * reconciler's cleanup — happens on the node.
 */
import type { PveClient } from '../../../src/pve/types.js';

/** The client methods that talk to Proxmox (the rest, like `calls()`, are local and synchronous). */
const REMOTE = new Set<string>([
  'get',
  'listNetwork',
  'getNetwork',
  'createNetwork',
  'updateNetwork',
  'deleteNetwork',
  'applyNetwork',
  'revertNetwork',
  'taskStatus',
  'listTasks',
  'taskLog',
]);

export interface DyingClient {
  pve: PveClient;
  /** Whether the crash point was reached. */
  readonly dead: boolean;
}

/**
 * Dies at the first call of `method`: `before` it is sent (e.g. the process died between staging
 * and `PUT /network`) or right `after` Proxmox answered it (e.g. died after the create POST).
 */
export function dyingClient(
  real: PveClient,
  method: keyof PveClient,
  when: 'before' | 'after',
): DyingClient {
  let dead = false;
  const died = (): Error => new Error('the pxr process died here (test crash point)');
  const pve = new Proxy(real, {
    get(target, prop, receiver): unknown {
      const v: unknown = Reflect.get(target, prop, receiver);
      if (typeof v !== 'function' || typeof prop !== 'string' || !REMOTE.has(prop)) return v;
      const fn = v as (...args: unknown[]) => Promise<unknown>;
      return async (...args: unknown[]): Promise<unknown> => {
        if (dead) throw died();
        if (prop !== method) return fn.apply(target, args);
        if (when === 'after') await fn.apply(target, args);
        dead = true;
        throw died();
      };
    },
  });
  return {
    pve,
    get dead() {
      return dead;
    },
  };
}
