/**
 * Drives the VirtualMachine reconciler pass by pass against the simulator over HTTP (real
 * proxmox-api client), on one ManualClock, through the AppContainer tests' generic Harness.
 */
import pino from 'pino';
import { ManualClock } from '../../../src/core/clock.js';
import type { StoredObject } from '../../../src/core/kind.js';
import { createPveClient } from '../../../src/pve/client.js';
import type { PveClient } from '../../../src/pve/types.js';
import { qemuCreate, qemuTemplate } from '../../../src/pve/qemu.js';
import {
  VirtualMachineReconciler,
  type VirtualMachineDeps,
} from '../../../src/kinds/virtual-machine/reconciler.js';
import type { VirtualMachineSpec } from '../../../src/kinds/virtual-machine/spec.js';
import { startSim, type StartedSim } from '../../helpers/sim.js';
import { SEED_CLOUD_IMAGE } from '../../../src/sim/seed.js';
import { callCounters, Harness, specHash } from '../app-container/harness.js';

/** The cloud image the simulator seeds on `local`. */
export const IMAGE = SEED_CLOUD_IMAGE.volid;
export const KEY =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGx0ZXN0a2V5Zm9ycXhyc2ltdWxhdG9ydGVzdHM0 ops@example';

export type Vm = StoredObject<VirtualMachineSpec>;
export type VmHarness = Harness<VirtualMachineReconciler>;

let uidSeq = 0;

export function vm(
  name: string,
  spec: Partial<VirtualMachineSpec> = {},
  over: Partial<Vm> = {},
): Vm {
  const full: VirtualMachineSpec = {
    node: 'pve',
    source: { image: IMAGE },
    networks: [{ bridge: 'vmbr1' }],
    ...spec,
  };
  return {
    kind: 'VirtualMachine',
    name,
    uid: `v${++uidSeq}-${name}`,
    generation: 1,
    specHash: specHash(full),
    spec: full,
    labels: {},
    annotations: {},
    sourceFile: 'vms.yaml',
    deletionRequested: false,
    finalizers: [],
    ...over,
  };
}

export function withSpec(obj: Vm, spec: Partial<VirtualMachineSpec>): Vm {
  const full = { ...obj.spec, ...spec };
  return { ...obj, spec: full, generation: obj.generation + 1, specHash: specHash(full) };
}

export interface VmRig {
  s: StartedSim;
  pve: PveClient;
  clock: ManualClock;
  h: VmHarness;
  count(key: string): number;
  writes(): number;
  /** Runs a task made behind pxr's back to its end. */
  finish(upid: string): Promise<void>;
  /** The VM as the simulator holds it (bypassing the API). */
  sim(vmid: number):
    | {
        config: Record<string, string | number>;
        status: string;
        pending: Record<string, string | number>;
      }
    | undefined;
  vmid(name: string): number;
  close(): Promise<void>;
}

/**
 * A simulator with bridges vmbr1, vmbr2 and vmbr10 on node `pve`, a cloud image on `local`, a
 * template VM 9000 (`debian-tpl`) with a cloud-init drive, and a reconciler.
 */
export async function vmRig(
  deps: Partial<VirtualMachineDeps> = {},
  nodes?: string[],
): Promise<VmRig> {
  const clock = new ManualClock();
  const s = await startSim({ clock, taskTimeScale: 0.25, ...(nodes ? { nodes } : {}) });
  const pve = createPveClient({
    url: s.url,
    tokenId: s.tokenId,
    tokenSecret: s.tokenSecret,
    clock,
    logger: pino({ level: 'silent' }),
  });
  const finish = async (upid: string): Promise<void> => {
    for (let i = 0; i < 200 && (await pve.taskStatus('pve', upid)).status === 'running'; i++) {
      clock.advance(500);
    }
  };
  for (const iface of ['vmbr1', 'vmbr2', 'vmbr10']) {
    await pve.createNetwork('pve', iface, { type: 'bridge', autostart: 1 });
  }
  await finish(await pve.applyNetwork('pve'));
  const local = s.sim.state.nodes['pve']?.storages['local'];
  if (!local) throw new Error('no local storage in the simulator');
  local.volumes[IMAGE] = {
    volid: IMAGE,
    content: 'import',
    format: 'qcow2',
    size: 3 * 1024 ** 3,
    ctime: 0,
  };
  await finish(
    await qemuCreate(pve, 'pve', {
      vmid: 9000,
      name: 'debian-tpl',
      memory: 1024,
      scsihw: 'virtio-scsi-single',
      scsi0: `local-lvm:0,import-from=${IMAGE}`,
      ide2: 'local-lvm:cloudinit',
      net0: 'virtio,bridge=vmbr1',
      serial0: 'socket',
    }),
  );
  await finish(await qemuTemplate(pve, 'pve', 9000));
  const h: VmHarness = new Harness(
    new VirtualMachineReconciler({
      pve,
      clock,
      taskPollMs: 1000,
      resourcesTtlMs: 0,
      agentRetryMs: 5000,
      readSecret: async (path) => {
        if (path === '/secrets/vm-password') return 'correct horse battery\n';
        if (path === '/secrets/vm-password-2') return 'another horse\n';
        throw new Error(`ENOENT: no such file '${path}'`);
      },
      ...deps,
    }),
    clock,
  );
  h.bridges = [];
  const { count, writes } = callCounters(pve);
  return {
    s,
    pve,
    clock,
    h,
    count,
    writes,
    finish,
    sim: (vmid) => s.sim.state.nodes['pve']?.qemu?.[String(vmid)],
    vmid: (name) => {
      const v = h.status.get(name)?.observed['vmid'];
      if (typeof v !== 'number') throw new Error(`${name}: no vmid recorded`);
      return v;
    },
    close: async () => {
      await pve.close();
      await s.close();
    },
  };
}
