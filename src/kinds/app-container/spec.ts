/**
 * The AppContainer spec type (derived from the schema) and the defaults pxr applies, so that pure
 * functions can take a spec before or after Ajv filled in the schema defaults.
 */
import { resolveNic, type GuestNic } from '../guest-nics/nics.js';
import { APP_CONTAINER_DEFAULTS as D, type AppContainerSpec } from './schema.js';

export type { AppContainerSpec };

/** Every defaulted field resolved. */
export interface ResolvedSpec {
  node: string;
  vmid?: number;
  template: string;
  hostname: string;
  cores: number;
  memory: number;
  swap: number;
  diskGb: number;
  diskStorage: string;
  /** The NICs in order (`net0`…): `network` is the one-item shorthand of `networks`. */
  nics: GuestNic[];
  /** What to do with a NIC on the container that `nics` does not list. */
  nicPolicy: 'report' | 'authoritative';
  nameservers: string[];
  searchdomain?: string;
  unprivileged: boolean;
  features: { nesting?: boolean; keyctl?: boolean; fuse?: boolean; mknod?: boolean };
  onboot: boolean;
  startup?: { order?: number; up?: number; down?: number };
  state: 'running' | 'stopped';
  tags: string[];
  description?: string;
  mountPoints: {
    path: string;
    size: number;
    storage: string;
    backup: boolean;
    readOnly: boolean;
  }[];
  restartPolicy: 'never' | 'onChange';
  replacePolicy: 'never' | 'recreate';
  shutdownTimeoutSeconds: number;
  adopt: boolean;
  auth: { sshPublicKeys?: string[]; sshPublicKeysFile?: string; passwordFile?: string };
  /** Reverse-proxy routes on the appliance (members only). */
  expose: { host: string; port: number; pathPrefix?: string }[];
}

/** Applies pxr's defaults; `name` is the object's name (the default host name). */
export function resolveSpec(spec: AppContainerSpec, name: string): ResolvedSpec {
  const r = spec.resources ?? {};
  const out: ResolvedSpec = {
    node: spec.node,
    template: spec.template,
    hostname: spec.hostname ?? name,
    cores: r.cores ?? D.cores,
    memory: r.memory ?? D.memory,
    swap: r.swap ?? D.swap,
    diskGb: r.disk?.size ?? D.diskGb,
    diskStorage: r.disk?.storage ?? D.storage,
    nics: (spec.networks ?? (spec.network ? [spec.network] : [])).map(resolveNic),
    nicPolicy: spec.nicPolicy ?? D.nicPolicy,
    nameservers: [...(spec.dns?.nameservers ?? [])],
    unprivileged: spec.unprivileged ?? D.unprivileged,
    features: { ...(spec.features ?? {}) },
    onboot: spec.onboot ?? D.onboot,
    state: spec.state ?? D.state,
    tags: [...(spec.tags ?? [])],
    mountPoints: (spec.mountPoints ?? []).map((m) => ({
      path: m.path,
      size: m.size,
      storage: m.storage ?? D.storage,
      backup: m.backup ?? D.mountBackup,
      readOnly: m.readOnly ?? D.mountReadOnly,
    })),
    restartPolicy: spec.restartPolicy ?? D.restartPolicy,
    replacePolicy: spec.replacePolicy ?? D.replacePolicy,
    shutdownTimeoutSeconds: spec.shutdownTimeoutSeconds ?? D.shutdownTimeoutSeconds,
    adopt: spec.adopt ?? D.adopt,
    auth: { ...(spec.auth ?? {}) },
    expose: (spec.expose ?? []).map((e) => ({ ...e })),
  };
  if (spec.vmid !== undefined) out.vmid = spec.vmid;
  if (spec.dns?.searchdomain !== undefined) out.searchdomain = spec.dns.searchdomain;
  if (spec.startup !== undefined) out.startup = { ...spec.startup };
  if (spec.description !== undefined) out.description = spec.description;
  return out;
}
