/**
 * Deterministic random source (mulberry32). Its whole state is one 32-bit integer, kept in
 * `SimState.rng`, so a persisted or snapshotted simulation continues the same sequence.
 */
export interface Rng {
  /** A float in [0, 1). */
  next(): number;
  /** The current position, to store in `SimState.rng`. */
  position(): number;
}

export function createRng(read: () => number, write: (pos: number) => void): Rng {
  return {
    next(): number {
      const a = (read() + 0x6d2b79f5) >>> 0;
      write(a);
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
    position: read,
  };
}
