/**
 * The lab's start-of-run cleanup: what a run killed before its `after` left behind (namespaces, the
 * daemons inside them, its temp folder) is removed, and a live run's namespaces are not touched.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from '../helpers/wait.js';
import { labSkip, requireLabTools } from './lab-env.js';
import { labNames, listNamespaces, removeLeftovers, removeNamespace } from './lab-net.js';

const run = promisify(execFile);

test(
  "leftovers of a dead lab run are removed at start (namespaces, their daemons, temp folder); a live run's stay",
  { skip: labSkip(), timeout: 30_000 },
  async () => {
    requireLabTools();
    // A pid that is certainly dead: a child that has exited.
    const gone = spawn('true');
    await once(gone, 'exit');
    const dead = labNames(gone.pid);
    // A live process that is not us: its namespace must survive.
    const liveProc = spawn('sleep', ['30']);
    const live = labNames(liveProc.pid);
    const tmp = await mkdtemp(join(tmpdir(), 'pxr-lab-cleanup-'));
    let daemon: ReturnType<typeof spawn> | undefined;
    try {
      await run('ip', ['netns', 'add', dead.appl]);
      await run('ip', ['netns', 'add', live.appl]);
      await mkdir(join(tmp, `pxrlab-${gone.pid}-abc`));
      await mkdir(join(tmp, `pxrlab-${liveProc.pid}-abc`));
      daemon = spawn('ip', ['netns', 'exec', dead.appl, 'sleep', '60'], { stdio: 'ignore' });
      const pid = daemon.pid;
      await waitFor('the leftover daemon inside the namespace', async () =>
        (await run('ip', ['netns', 'pids', dead.appl])).stdout.includes(String(pid)),
      );
      const exited = once(daemon, 'exit');

      const removed = await removeLeftovers(labNames(), tmp);

      assert.ok(removed.includes(dead.appl), removed.join(', '));
      assert.ok(!(await listNamespaces(dead.appl)).includes(dead.appl));
      await exited;
      assert.ok((await listNamespaces(live.appl)).includes(live.appl));
      assert.equal(existsSync(join(tmp, `pxrlab-${gone.pid}-abc`)), false);
      assert.equal(existsSync(join(tmp, `pxrlab-${liveProc.pid}-abc`)), true);
    } finally {
      daemon?.kill('SIGKILL');
      liveProc.kill('SIGKILL');
      await removeNamespace(dead.appl);
      await removeNamespace(live.appl);
      await rm(tmp, { recursive: true, force: true });
    }
  },
);
