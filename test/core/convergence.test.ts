import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { ConvergenceLog } from '../../src/core/convergence.js';
import { ManualClock } from '../../src/core/clock.js';

function capture(): { log: pino.Logger; lines: string[] } {
  const lines: string[] = [];
  const log = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s).msg) });
  return { log, lines };
}

test('a restart whose kept objects are all Ready says so once, counting every object', () => {
  const { log, lines } = capture();
  const conv = new ConvergenceLog(log, new ManualClock(0));
  conv.setMany([
    [{ kind: 'Bridge', name: 'lan' }, true],
    [{ kind: 'Bridge', name: 'dmz' }, true],
    [{ kind: 'AppContainer', name: 'web' }, true],
  ]);
  assert.deepEqual(lines, ['all 3 objects Ready in 0 s']);
});

test('a snapshot with one object not Ready names it and says nothing about convergence', () => {
  const { log, lines } = capture();
  const conv = new ConvergenceLog(log, new ManualClock(0));
  conv.setMany([
    [{ kind: 'Bridge', name: 'lan' }, true],
    [{ kind: 'AppContainer', name: 'web' }, false],
  ]);
  assert.deepEqual(lines, []);
  conv.set({ kind: 'AppContainer', name: 'web' }, true);
  assert.deepEqual(lines, ['all 2 objects Ready in 0 s']);
  conv.set({ kind: 'AppContainer', name: 'web' }, false);
  assert.deepEqual(lines.slice(1), ['1 of 2 objects not Ready: AppContainer/web']);
});
