import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../src/core/clock.js';
import { openStore, type Store, type StoreOptions } from '../../src/store/store.js';
import type { ObjectInput } from '../../src/store/objects-repo.js';

export function memStore(opts: Partial<StoreOptions> = {}): { store: Store; clock: ManualClock } {
  const clock = new ManualClock();
  return { store: openStore(':memory:', { clock, ...opts }), clock };
}

/** A temp dir removed by the returned cleanup. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'pxr-store-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function input(name: string, spec: Record<string, unknown> = { a: 1 }): ObjectInput {
  return {
    kind: 'Bridge',
    name,
    spec,
    labels: {},
    annotations: {},
    sourceFile: 'bridges.yaml',
  };
}
