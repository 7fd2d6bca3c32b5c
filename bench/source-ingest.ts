/**
 * Manifest source: writes 10,000 Bridge manifests (500 files of 20 documents, nested folders) to a temp
 * dir and measures a full read (list + parse + schema + semantic checks + duplicate detection), the
 * way every debounced batch and every resync does it. Memory is the heap retained by the snapshot
 * (after GC) and the process RSS.
 */
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { systemClock } from '../src/core/clock.js';
import { kindDefinitions } from '../src/kinds/registry.js';
import { ReadCache, readManifestDir } from '../src/source/reader.js';
import { ManifestValidator } from '../src/source/validate.js';
import type { Row } from './table.js';

const FILES = 500;
const DOCS_PER_FILE = 20;
const TARGET_FULL_MS = 3000;
const TARGET_CACHED_MS = 300;

function manifest(i: number): string {
  return [
    'apiVersion: pxr/v1alpha1',
    'kind: Bridge',
    'metadata:',
    `  name: br-${i}`,
    `  labels: {site: s${i % 7}, tier: lan}`,
    'spec:',
    `  node: pve${i % 16}`,
    `  iface: vmbr${i % 10000}`,
    `  ports: [eno${i % 4}]`,
    `  cidr: 10.${(i >> 8) & 255}.${i & 255}.1/24`,
    `  gateway: 10.${(i >> 8) & 255}.${i & 255}.254`,
    '  vlanAware: true',
    '  vids: "2-4094"',
    '  mtu: 9000',
    `  comment: bridge number ${i}`,
    '',
  ].join('\n');
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

function gcFunction(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

export async function benchSourceIngest(): Promise<Row[]> {
  const root = mkdtempSync(join(tmpdir(), 'pxr-bench-source-'));
  try {
    for (let f = 0; f < FILES; f++) {
      const dir = join(root, `site-${f % 10}`, `rack-${f % 5}`);
      mkdirSync(dir, { recursive: true });
      const docs = Array.from({ length: DOCS_PER_FILE }, (_, d) => manifest(f * DOCS_PER_FILE + d));
      writeFileSync(join(dir, `bridges-${f}.yaml`), docs.join('---\n'));
    }
    const gc = gcFunction();

    let t = performance.now();
    const validator = new ManifestValidator(kindDefinitions());
    const compileMs = performance.now() - t;

    // What the watcher holds between reads: the last snapshot and the per-file cache.
    const cache = new ReadCache();
    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    t = performance.now();
    const cold = await readManifestDir(root, { validator, clock: systemClock, cache });
    const coldMs = performance.now() - t;
    gc();
    const heapHeld = process.memoryUsage().heapUsed - heapBefore;
    if (cold.snapshot.docs.length !== FILES * DOCS_PER_FILE || cold.snapshot.issues.length > 0) {
      throw new Error(
        `bench data invalid: ${cold.snapshot.docs.length} docs, ${cold.snapshot.issues.length} issues`,
      );
    }

    // A typical batch: one file changed, the other 499 come from the cache.
    const cached: number[] = [];
    for (let i = 0; i < 5; i++) {
      appendFileSync(join(root, 'site-0', 'rack-0', 'bridges-0.yaml'), `# edit ${i}\n`);
      t = performance.now();
      await readManifestDir(root, { validator, clock: systemClock, cache });
      cached.push(performance.now() - t);
    }
    const cachedMs = median(cached);

    const full: number[] = [];
    for (let i = 0; i < 3; i++) {
      t = performance.now();
      await readManifestDir(root, { validator, clock: systemClock });
      full.push(performance.now() - t);
    }
    const fullMs = median(full);

    const rss = process.memoryUsage().rss;
    const docs = cold.snapshot.docs.length;
    if (cache.size !== FILES) throw new Error(`cache holds ${cache.size} files`);

    return [
      { name: 'manifests', value: docs, unit: `docs in ${cold.snapshot.fileCount} files` },
      { name: 'compile schemas (all kinds)', value: compileMs, unit: 'ms' },
      { name: 'first full read (start-up)', value: coldMs, unit: 'ms' },
      {
        name: 'full read, no cache (resync), median of 3',
        value: fullMs,
        unit: 'ms',
        target: `< ${TARGET_FULL_MS} ms`,
        ok: fullMs < TARGET_FULL_MS,
      },
      { name: 'full read throughput', value: Math.round((docs / fullMs) * 1000), unit: 'docs/s' },
      {
        name: 'read after a 1-file change (cache), median of 5',
        value: cachedMs,
        unit: 'ms',
        target: `< ${TARGET_CACHED_MS} ms`,
        ok: cachedMs < TARGET_CACHED_MS,
      },
      { name: 'heap retained (snapshot + parse cache)', value: heapHeld / 2 ** 20, unit: 'MiB' },
      { name: 'heap per document', value: Math.round(heapHeld / docs), unit: 'bytes' },
      { name: 'process RSS after the reads', value: rss / 2 ** 20, unit: 'MiB' },
    ];
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
