/**
 * Creating a container: the template check, VMID allocation, and the `POST /nodes/{node}/lxc`
 * parameters (pure). The container is created with the `pxr` tag and the ownership marker already
 * in place, so that a crash right after the call can find it again.
 */
import { PxrError, TerminalError } from '../../core/errors.js';
import { readSecretFile as readCheckedFile, secretFileReason } from '../../core/secret-file.js';
import { badPublicKeyLines, describeLines } from '../ssh-keys.js';
import { storageContent } from '../../pve/lxc.js';
import type { Params, PveClient } from '../../pve/types.js';
import { mountString } from './diff.js';
import { desiredConfig, desiredDisks, desiredNets } from './normalize.js';
import type { ResolvedSpec } from './spec.js';

/**
 * Reads a secret file (password, keys); injected so tests and the composition root decide. `private`
 * files must not be readable by group or others.
 */
export type SecretReader = (path: string, opts: { private: boolean }) => Promise<string>;

export const readSecretFile: SecretReader = (path, opts) => readCheckedFile(path, opts);

/**
 * The create parameters without secrets (safe to log). `macOf` gives the MAC fixed up front per NIC
 * (an appliance member's), the other NICs get theirs from Proxmox.
 */
export function createParams(
  spec: ResolvedSpec,
  uid: string,
  vmid: number,
  macOf: (index: number) => string | undefined = () => undefined,
): Params {
  const c = desiredConfig(spec, uid);
  const disks = desiredDisks(spec);
  const p: Params = {
    vmid,
    ostemplate: spec.template,
    hostname: c.hostname,
    cores: spec.cores,
    memory: spec.memory,
    swap: spec.swap,
    ...desiredNets(spec, macOf),
    onboot: spec.onboot ? 1 : 0,
    tags: c.tags,
    description: c.description,
    unprivileged: spec.unprivileged ? 1 : 0,
    rootfs: `${spec.diskStorage}:${spec.diskGb}`,
  };
  if (c.nameserver) p['nameserver'] = c.nameserver;
  if (c.searchdomain) p['searchdomain'] = c.searchdomain;
  if (c.features) p['features'] = c.features;
  if (c.startup) p['startup'] = c.startup;
  for (const d of disks.mounts) p[d.key] = mountString(d);
  return p;
}

/** Adds the create-time credentials, read from their files. Never logged. */
export async function withSecrets(
  params: Params,
  spec: ResolvedSpec,
  read: SecretReader,
): Promise<Params> {
  const out = { ...params };
  const keys = [...(spec.auth.sshPublicKeys ?? [])];
  // The message names the file, never its content. Retried (not terminal): fixing the file's
  // permissions or mounting it changes no manifest, and a stalled object is never tried again.
  const readOne = async (field: string, file: string, priv: boolean): Promise<string> => {
    try {
      return await read(file, { private: priv });
    } catch (err) {
      throw new PxrError(
        'SECRET_UNREADABLE',
        `cannot read ${field} ${file}: ${secretFileReason(err)}`,
        { cause: err },
      );
    }
  };
  if (spec.auth.sshPublicKeysFile) {
    const file = spec.auth.sshPublicKeysFile;
    const text = await readOne('auth.sshPublicKeysFile', file, false);
    // A wrong path (the token file, a password) must not be sent to Proxmox as "keys".
    const bad = badPublicKeyLines(text);
    if (bad.length > 0)
      throw new PxrError(
        'SECRET_INVALID',
        `auth.sshPublicKeysFile ${file}: ${describeLines(bad)} not an SSH public key (content not shown)`,
      );
    keys.push(...text.split('\n'));
  }
  if (spec.auth.passwordFile) {
    const pw = await readOne('auth.passwordFile', spec.auth.passwordFile, true);
    out['password'] = pw.replace(/\r?\n$/, '');
  }
  const clean = keys.map((k) => k.trim()).filter((k) => k !== '' && !k.startsWith('#'));
  if (clean.length > 0) out['ssh-public-keys'] = clean.join('\n');
  return out;
}

/** Proxmox's answer for a node name that is not in the cluster, as a terminal error. */
export function nodeNotFound(err: unknown, node: string): unknown {
  if (err instanceof Error && /hostname lookup '[^']*' failed/.test(err.message)) {
    return new TerminalError('NodeNotFound', `node '${node}' is not a node of this cluster`, {
      cause: err,
    });
  }
  return err;
}

/** Terminal when the template volume is missing on the node (named in the message). */
export async function checkTemplate(pve: PveClient, node: string, template: string): Promise<void> {
  const storage = template.slice(0, template.indexOf(':'));
  let vols;
  try {
    vols = await storageContent(pve, node, storage, 'vztmpl');
  } catch (err) {
    const msg = (err as Error).message;
    if (/does not exist/.test(msg)) {
      throw new TerminalError(
        'TemplateNotFound',
        `template ${template}: storage '${storage}' does not exist on node ${node}`,
        { cause: err },
      );
    }
    throw err;
  }
  if (!vols.some((v) => v.volid === template)) {
    throw new TerminalError(
      'TemplateNotFound',
      `template ${template} not found on node ${node} (storage '${storage}' has ${vols.length} template(s)); download it with pveam or fix spec.template`,
      { context: { node, template } },
    );
  }
}

/**
 * Hands out VMIDs: `/cluster/nextid` cannot know about ids handed out in this process but not
 * created yet, so concurrent allocations never return the same id twice.
 */
export class VmidAllocator {
  private highWater = 0;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly pve: PveClient) {}

  allocate(): Promise<number> {
    const next = this.chain.then(async () => {
      const n = await this.pve.nextId();
      const v = Math.max(n, this.highWater + 1);
      this.highWater = v;
      return v;
    });
    this.chain = next.catch(() => undefined);
    return next;
  }
}
