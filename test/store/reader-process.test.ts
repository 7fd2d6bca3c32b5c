import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { ManualClock } from '../../src/core/clock.js';
import { openStore } from '../../src/store/store.js';
import { input, tempDir } from './helpers.js';

const ROOT = new URL('../..', import.meta.url).pathname;

/** A separate process (like `pxr get`) polling the file read-only until it has seen `n` objects. */
const READER = `
const Database = require('better-sqlite3');
const [path, n] = [process.argv[1], Number(process.argv[2])];
const db = new Database(path, { readonly: true, fileMustExist: true });
db.pragma('busy_timeout = 5000');
const count = db.prepare('SELECT count(*) AS n FROM objects');
process.stdout.write('ready\\n');
const seen = new Set();
let errors = 0;
const deadline = Date.now() + 20000;
for (;;) {
  try { seen.add(count.get().n); } catch (e) { errors++; }
  if (seen.has(n) || Date.now() > deadline) break;
}
process.stdout.write(JSON.stringify({ max: Math.max(...seen), distinct: seen.size, errors }) + '\\n');
`;

describe('store shared with another process', () => {
  test('a read-only reader process polls without errors while pxr run commits', async () => {
    const { dir, cleanup } = tempDir();
    const path = join(dir, 'pxr.db');
    const store = openStore(path, { clock: new ManualClock() });
    const n = 300;
    try {
      const child = spawn(process.execPath, ['-e', READER, path, String(n)], { cwd: ROOT });
      let out = '';
      child.stdout.setEncoding('utf8');
      const ready = new Promise<void>((resolve) =>
        child.stdout.on('data', (d: string) => {
          out += d;
          if (out.includes('ready')) resolve();
        }),
      );
      const exited = once(child, 'exit');
      await ready;
      for (let i = 0; i < n; i++) {
        store.transaction(() => {
          store.objects.insert(input(`b${i}`), i);
          store.events.record(
            { kind: 'Bridge', name: `b${i}` },
            { type: 'Normal', reason: 'R', message: 'm' },
            i,
          );
        });
        await new Promise((r) => setImmediate(r)); // let the reader interleave
      }
      const [code] = (await exited) as [number];
      assert.equal(code, 0);
      const report = JSON.parse(out.split('\n').filter(Boolean).at(-1) ?? '{}') as {
        max: number;
        distinct: number;
        errors: number;
      };
      assert.equal(report.errors, 0);
      assert.equal(report.max, n);
      assert.ok(report.distinct >= 2, 'the reader saw intermediate states while writes went on');
    } finally {
      store.close();
      cleanup();
    }
  });
});
