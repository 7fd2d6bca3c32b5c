/**
 * The per-object loop of a kind's plan, apply and finalize: each object in turn, a throw becomes
 * that object's Error (`toError`) and the others go on; an object `fn` has nothing to say about
 * (`undefined`, e.g. no admitted plan) is left out of the answer.
 */
import { toError } from './errors.js';

export async function eachObject<O extends { name: string }, T>(
  objs: readonly O[],
  fn: (obj: O) => Promise<T | undefined> | T | undefined,
): Promise<Map<string, T | Error>> {
  const out = new Map<string, T | Error>();
  for (const obj of objs) {
    try {
      const v = await fn(obj);
      if (v !== undefined) out.set(obj.name, v);
    } catch (err) {
      out.set(obj.name, toError(err));
    }
  }
  return out;
}
