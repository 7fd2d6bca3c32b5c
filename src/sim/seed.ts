/**
 * The initial simulated cluster: nodes `pve` (or `--nodes`), node i at 192.168.100.(10+i)/24 with
 * gateway .1, storages `local` (dir: three container templates, one cloud image for `import-from`)
 * and `local-lvm` (lvmthin), and the slices of the endpoint groups (network, firewall, certificates) from their own seed functions.
 */
import type { NodeState, SimState, StorageState } from './state.js';
import { seedNodeNetwork } from './network/seed.js';
import { emptyNodeFirewall, seedClusterFirewall } from './firewall/seed.js';
import { seedNodeCerts } from './certs/seed.js';

export interface SeedOptions {
  nodes: readonly string[];
  clusterName: string;
  /** Full token id (`root@pam!pxr`) and secret; privileges default to all. */
  tokens: Record<string, { secret: string; privs: string[] }>;
  users: Record<string, { password: string }>;
  nowMs: number;
  rngSeed: number;
}

const GiB = 1024 ** 3;

/** Templates as `pveam` downloads them: volid, size in bytes. */
export const SEED_TEMPLATES: readonly { file: string; format: string; size: number }[] = [
  { file: 'debian-12-standard_12.7-1_amd64.tar.zst', format: 'tzst', size: 126_761_513 },
  { file: 'ubuntu-24.04-standard_24.04-2_amd64.tar.zst', format: 'tzst', size: 146_285_420 },
  { file: 'alpine-3.20-default_20240908_amd64.tar.xz', format: 'txz', size: 3_187_604 },
];

/** The cloud image every simulated node has on `local` (the demo's VMs are made from it). */
export const SEED_CLOUD_IMAGE = {
  volid: 'local:import/debian-12-genericcloud-amd64.qcow2',
  size: 337_182_720,
} as const;

function seedStorages(nowMs: number): Record<string, StorageState> {
  const ctime = Math.floor(nowMs / 1000) - 30 * 86400;
  const volumes: StorageState['volumes'] = {};
  for (const t of SEED_TEMPLATES) {
    const volid = `local:vztmpl/${t.file}`;
    volumes[volid] = { volid, content: 'vztmpl', format: t.format, size: t.size, ctime };
  }
  // A cloud image ready for `import-from`, as `download-url` (content `import`) would leave it.
  const image = SEED_CLOUD_IMAGE;
  volumes[image.volid] = {
    volid: image.volid,
    content: 'import',
    format: 'qcow2',
    size: image.size,
    ctime,
  };
  const used = SEED_TEMPLATES.reduce((s, t) => s + t.size, 0) + image.size + 4 * GiB;
  return {
    local: {
      id: 'local',
      plugintype: 'dir',
      // `import`: disk images for VMs (`import-from`), as Proxmox VE 8.4+ allows on a dir storage.
      content: ['vztmpl', 'iso', 'backup', 'import'],
      shared: 0,
      total: 94 * GiB,
      used,
      volumes,
    },
    'local-lvm': {
      id: 'local-lvm',
      plugintype: 'lvmthin',
      content: ['rootdir', 'images'],
      shared: 0,
      total: 350 * GiB,
      used: 0,
      volumes: {},
    },
  };
}

export function nodeIp(index: number): string {
  return `192.168.100.${10 + index}`;
}

/** Everything except the certificates, which need async key generation: see {@link seedCertsInto}. */
export function seedState(opts: SeedOptions): SimState {
  const nodes: Record<string, NodeState> = {};
  opts.nodes.forEach((name, i) => {
    const ip = nodeIp(i);
    nodes[name] = {
      name,
      ip,
      online: true,
      unreachable: false,
      maxcpu: 8,
      maxmem: 32 * GiB,
      startedAt: opts.nowMs - 3 * 86400 * 1000,
      network: seedNodeNetwork({
        node: name,
        ip,
        cidrBits: 24,
        gateway: '192.168.100.1',
        nowMs: opts.nowMs,
      }),
      lxc: {},
      guestFirewall: {},
      storages: seedStorages(opts.nowMs),
      certs: { rootCa: '', ssl: { cert: '', key: '' } },
      firewall: emptyNodeFirewall(),
    };
  });
  return {
    version: 1,
    clusterName: opts.clusterName,
    nodes,
    firewall: seedClusterFirewall(),
    tasks: [],
    nextPid: 100_000,
    tokens: opts.tokens,
    users: opts.users,
    nextId: { lower: 100, upper: 1_000_000 },
    rng: opts.rngSeed >>> 0,
  };
}

/** Fills in the certificates of nodes that have none yet. */
export async function seedCertsInto(state: SimState, nowMs: number): Promise<void> {
  for (const node of Object.values(state.nodes)) {
    if (node.certs.rootCa === '') node.certs = await seedNodeCerts(node.name, node.ip, { nowMs });
  }
}
