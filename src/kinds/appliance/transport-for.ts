/**
 * Chooses and keeps the Transport of each appliance from its `access` spec: `ssh` straight into the
 * appliance, `pct` (ssh to the node, then `pct exec <vmid>`), or `simulated` (the emulated appliance
 * of `pxr run --sim`, kept inside its container of the built-in simulator when there is one). The private key is read from its file when the transport is built, and never
 * logged: errors name the file, not its content. One transport per appliance is kept open between
 * passes (a simulated appliance's state lives in it) and replaced when the access settings change.
 */
import type { Logger } from 'pino';
import type { Clock } from '../../core/clock.js';
import { PxrError, TerminalError } from '../../core/errors.js';
import { readSecretFile, secretFileReason } from '../../core/secret-file.js';
import { privateKeyProblem } from '../ssh-keys.js';
import { createPctTransport } from '../../appliance/transport/pct.js';
import { SimulatedTransport, type GuestHome } from '../../appliance/transport/simulated.js';
import { createSshTransport, type SshTransportOptions } from '../../appliance/transport/ssh.js';
import type { Transport } from '../../appliance/transport/types.js';
import type { ResolvedAccess, ResolvedAppliance } from './spec.js';

/** Which appliance a transport is for: the CT's VMID is known once it exists (pct needs it). */
export interface TransportTarget {
  name: string;
  uid: string;
  vmid: number;
  spec: ResolvedAppliance;
}

/**
 * Builds (or hands back) the transport of one appliance; `close`, when present, closes the one kept
 * for a uid (the appliance was deleted).
 */
export type TransportFactory = ((target: TransportTarget) => Promise<Transport>) & {
  close?(uid: string): Promise<void>;
};

export interface DefaultTransportOptions {
  clock: Clock;
  log?: Logger;
  /** Reads the private key file (injected by tests). @default a regular file, mode 600 or stricter */
  readSecret?: (path: string) => Promise<string>;
  /**
   * Where a simulated appliance's inside lives: its container in the in-process simulator
   * (`pxr run --sim`). @default the transport's memory (against a simulator in another process)
   */
  simulatedHome?: (node: string, vmid: number) => GuestHome;
}

/** The factory the composition root uses: ssh/pct from the spec, simulated in memory. */
export function defaultTransportFactory(o: DefaultTransportOptions): TransportFactory & {
  close(uid: string): Promise<void>;
  closeAll(): Promise<void>;
} {
  const open = new Map<string, { key: string; t: Transport }>();
  const read = o.readSecret ?? ((p: string) => readSecretFile(p, { private: true }));
  const factory = async (target: TransportTarget): Promise<Transport> => {
    const a = target.spec.access;
    // pct and a simulated appliance live in one container: a new one (recreated) is a new transport.
    const key = JSON.stringify({ a, vmid: a.transport === 'ssh' ? undefined : target.vmid });
    const have = open.get(target.uid);
    if (have?.key === key) return have.t;
    if (have) {
      open.delete(target.uid);
      await have.t.close();
    }
    const t = await build(target, read, o);
    open.set(target.uid, { key, t });
    return t;
  };
  return Object.assign(factory, {
    async close(uid: string): Promise<void> {
      const have = open.get(uid);
      open.delete(uid);
      await have?.t.close();
    },
    async closeAll(): Promise<void> {
      const all = [...open.values()];
      open.clear();
      for (const x of all) await x.t.close();
    },
  });
}

async function build(
  target: TransportTarget,
  read: (p: string) => Promise<string>,
  o: DefaultTransportOptions,
): Promise<Transport> {
  const a = target.spec.access;
  if (a.transport === 'simulated')
    return new SimulatedTransport({
      caddyAdminListen: target.spec.proxy.adminListen,
      ...(o.simulatedHome ? { home: o.simulatedHome(target.spec.node, target.vmid) } : {}),
    });
  const ssh = await sshOptionsOf(a, read, o, o.log?.child({ appliance: target.name }));
  if (a.transport === 'ssh') return createSshTransport(ssh);
  return createPctTransport({ ssh, vmid: target.vmid });
}

/**
 * The ssh settings of an `ssh` or `pct` access (the Appliance's, or a Certificate file target's):
 * the private key read from its file and checked, never shown.
 */
export async function sshOptionsOf(
  a: ResolvedAccess,
  read: (p: string) => Promise<string>,
  o: { clock: Clock },
  logger?: Logger,
): Promise<SshTransportOptions> {
  if (a.host === undefined || a.privateKeyFile === undefined || a.hostKeyFingerprint === undefined)
    throw new TerminalError(
      'InvalidAccess',
      `access.transport ${a.transport} needs access.host, access.privateKeyFile and access.hostKeyFingerprint`,
    );
  let privateKey: string;
  try {
    privateKey = await read(a.privateKeyFile);
  } catch (err) {
    // The message names the file, never its content. Retried (not terminal): fixing the file's
    // permissions or mounting it changes no manifest, and a stalled object is never tried again.
    throw new PxrError(
      'SECRET_UNREADABLE',
      `cannot read access.privateKeyFile ${a.privateKeyFile}: ${secretFileReason(err)}`,
      { cause: err },
    );
  }
  const problem = privateKeyProblem(privateKey);
  if (problem)
    throw new PxrError(
      'SECRET_INVALID',
      `access.privateKeyFile ${a.privateKeyFile} ${problem} (content not shown)`,
    );
  return {
    host: a.host,
    port: a.port,
    username: a.user,
    privateKey,
    keyFile: a.privateKeyFile,
    hostKeyFingerprint: a.hostKeyFingerprint,
    clock: o.clock,
    ...(logger ? { logger } : {}),
  };
}
