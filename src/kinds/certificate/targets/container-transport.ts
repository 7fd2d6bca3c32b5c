/**
 * How the files target reaches into an AppContainer: `pct` (ssh to the node with the target's
 * access settings, then `pct exec`/`pct push <vmid>`) or `simulated` (in memory). One transport per
 * container and access settings is kept open between passes (a simulated container's files live in
 * it) and replaced when those change; all are closed when pxr stops.
 */
import type { Logger } from 'pino';
import type { Clock } from '../../../core/clock.js';
import { readSecretFile } from '../../../core/secret-file.js';
import { createPctTransport } from '../../../appliance/transport/pct.js';
import type { Transport } from '../../../appliance/transport/types.js';
import type { GuestHome } from '../../../appliance/transport/simulated.js';
import { sshOptionsOf } from '../../appliance/transport-for.js';
import type { FileTargetSpec } from './files-layout.js';
import { SimulatedContainer } from './simulated-container.js';

/** The container a file target writes into, as read from its AppContainer. */
export interface ContainerRef {
  name: string;
  uid: string;
  node: string;
  vmid: number;
  access: FileTargetSpec['access'];
}

export type ContainerTransports = ((c: ContainerRef) => Promise<Transport>) & {
  closeAll?(): Promise<void>;
};

export function defaultContainerTransports(o: {
  clock: Clock;
  log?: Logger;
  /** Reads the ssh private key file (tests inject it). @default a regular file, mode 600 or stricter */
  readSecret?: (path: string) => Promise<string>;
  /** Where a simulated container's inside lives (the in-process simulator). @default memory */
  simulatedHome?: (node: string, vmid: number) => GuestHome;
}): ContainerTransports & { closeAll(): Promise<void> } {
  const open = new Map<string, { key: string; t: Transport }>();
  const read = o.readSecret ?? ((p: string) => readSecretFile(p, { private: true }));
  const factory = async (c: ContainerRef): Promise<Transport> => {
    const key = JSON.stringify({ a: c.access, vmid: c.vmid, node: c.node });
    const have = open.get(c.uid);
    if (have?.key === key) return have.t;
    if (have) {
      open.delete(c.uid);
      await have.t.close();
    }
    let t: Transport;
    if (c.access.transport === 'simulated') {
      t = new SimulatedContainer(
        `simulated container ${c.name}`,
        o.simulatedHome?.(c.node, c.vmid),
      );
    } else {
      const logger = o.log?.child({ container: c.name });
      const ssh = await sshOptionsOf(c.access, read, o, logger);
      t = createPctTransport({ ssh, vmid: c.vmid });
    }
    open.set(c.uid, { key, t });
    return t;
  };
  return Object.assign(factory, {
    async closeAll(): Promise<void> {
      const all = [...open.values()];
      open.clear();
      for (const x of all) await x.t.close();
    },
  });
}
