/**
 * A simulator on a manual clock with pxr's own client (proxmox-api underneath) for the QEMU tests:
 * `finish` runs a task to its end, `vmCreate` makes a VM and waits for it.
 */
import assert from 'node:assert/strict';
import pino from 'pino';
import { ManualClock } from '../../../src/core/clock.js';
import { createPveClient } from '../../../src/pve/client.js';
import type { Params, PveClient } from '../../../src/pve/types.js';
import { qemuCreate } from '../../../src/pve/qemu.js';
import { startSim, type StartedSim } from '../../helpers/sim.js';

export const NODE = 'pve';
export const KEY =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGx0ZXN0a2V5Zm9ycXhyc2ltdWxhdG9ydGVzdHM0 ops@example';

export interface QemuRig {
  clock: ManualClock;
  s: StartedSim;
  pve: PveClient;
  /** Runs the task to its end; returns its exit status. */
  finish(upid: string): Promise<string | undefined>;
  /** Creates a VM and asserts the task ended OK. */
  create(vmid: number, params?: Params): Promise<void>;
  close(): Promise<void>;
}

export async function qemuRig(): Promise<QemuRig> {
  const clock = new ManualClock();
  const s = await startSim({ clock });
  const pve = createPveClient({
    url: s.url,
    tokenId: s.tokenId,
    tokenSecret: s.tokenSecret,
    clock,
    logger: pino({ level: 'silent' }),
  });
  const finish = async (upid: string): Promise<string | undefined> => {
    clock.advance(30_000);
    const st = await pve.taskStatus(NODE, upid);
    assert.equal(st.status, 'stopped', `task ${upid} has not ended after 30 s of sim time`);
    return st.exitstatus;
  };
  return {
    clock,
    s,
    pve,
    finish,
    async create(vmid, params = {}) {
      const upid = await qemuCreate(pve, NODE, { vmid, ...params });
      assert.equal(await finish(upid), 'OK', `create of VM ${vmid}`);
    },
    async close() {
      await pve.close();
      await s.close();
    },
  };
}
