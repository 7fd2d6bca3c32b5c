/** Status figures of a container, as `/cluster/resources` and the node views print them. */
import type { LxcState } from '../lxc/state.js';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

function num(v: string | number | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isFinite(n) ? n : dflt;
}

/** `local-lvm:vm-100-disk-0,size=8G` -> bytes (0 when unknown). */
export function rootfsBytes(rootfs: string | number | undefined): number {
  if (typeof rootfs !== 'string') return 0;
  const m = /(?:^|,)size=(\d+(?:\.\d+)?)([KMGT]?)(?:,|$)/.exec(rootfs);
  if (!m?.[1]) return 0;
  const unit = { '': 1, K: 1024, M: MiB, G: GiB, T: 1024 * GiB }[m[2] ?? ''] ?? 1;
  return Math.round(Number(m[1]) * unit);
}

export interface GuestFigures {
  name: string;
  maxmem: number;
  maxswap: number;
  maxdisk: number;
  maxcpu: number;
  mem: number;
  disk: number;
  cpu: number;
  uptime: number;
  template: 0 | 1;
}

export function guestFigures(ct: LxcState, nowMs: number): GuestFigures {
  const c = ct.config;
  const running = ct.status === 'running';
  const maxmem = num(c.memory, 512) * MiB;
  const maxdisk = rootfsBytes(c.rootfs);
  return {
    name: typeof c.hostname === 'string' ? c.hostname : `CT${ct.vmid}`,
    maxmem,
    maxswap: num(c.swap, 512) * MiB,
    maxdisk,
    maxcpu: num(c.cores, 0) || num(c.cpulimit, 0) || 1,
    mem: running ? Math.round(maxmem * 0.1) : 0,
    disk: running ? Math.round(maxdisk * 0.15) : 0,
    cpu: running ? 0.002 : 0,
    uptime: running && ct.startedAt !== undefined ? Math.floor((nowMs - ct.startedAt) / 1000) : 0,
    template: num(c.template, 0) ? 1 : 0,
  };
}
