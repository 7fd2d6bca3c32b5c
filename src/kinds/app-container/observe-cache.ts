/**
 * The per-kind observation cache: ONE `GET /cluster/resources?type=vm` serves every container of a
 * sweep (where each container is, its status, tags and lock), and one bridge list per node serves
 * the dependency checks. Entries live `ttlMs` on the Clock; concurrent callers share the request in
 * flight. A container acted upon after the list was read is not trusted to it (see `isFresh`).
 */
import type { Clock } from '../../core/clock.js';
import type { PveClient, PveResource } from '../../pve/types.js';

export interface GuestEntry {
  vmid: number;
  node: string;
  /** `lxc` or `qemu`. */
  type: string;
  status: string;
  name?: string;
  tags: string;
  lock?: string;
  uptime: number;
  /** A VM template (`template: 1` in the list). */
  template?: boolean;
}

export interface GuestIndex {
  fetchedAt: number;
  byVmid: Map<number, GuestEntry>;
}

interface Slot<T> {
  at: number;
  value?: T;
  inflight?: Promise<T> | undefined;
}

export class ObservationCache {
  private guests: Slot<GuestIndex> = { at: -Infinity };
  private bridges = new Map<string, Slot<Set<string>>>();
  /** vmid -> when pxr last changed it (start, create...): older list entries are stale for it. */
  private touched = new Map<number, number>();
  /** `/cluster/resources` calls made (for tests and the benchmark). */
  resourceReads = 0;

  constructor(
    private readonly pve: PveClient,
    private readonly clock: Clock,
    private readonly ttlMs: number,
  ) {}

  /** The guest list, read at most once per TTL, shared by concurrent callers. */
  guestIndex(): Promise<GuestIndex> {
    return this.cached(this.guests, async () => {
      this.resourceReads++;
      const at = this.clock.now();
      const list = await this.pve.clusterResources('vm');
      return { fetchedAt: at, byVmid: indexGuests(list) };
    });
  }

  /** Bridges of a node (`GET /nodes/{node}/network`), cached like the guest list. */
  bridgesOf(node: string): Promise<Set<string>> {
    let slot = this.bridges.get(node);
    if (!slot) {
      slot = { at: -Infinity };
      this.bridges.set(node, slot);
    }
    return this.cached(slot, async () => {
      const r = await this.pve.listNetwork(node);
      return new Set(r.ifaces.filter((i) => /bridge/i.test(i.type)).map((i) => i.iface));
    });
  }

  /** Marks a container as changed by pxr now (its cached entry is no longer trusted). */
  touch(vmid: number): void {
    this.touched.set(vmid, this.clock.now());
  }

  /** Whether `index` was read after pxr last changed `vmid`. */
  isFresh(index: GuestIndex, vmid: number): boolean {
    const t = this.touched.get(vmid);
    return t === undefined || index.fetchedAt > t;
  }

  /** Drops everything (after a crash-recovery scan found the list wrong, or in tests). */
  invalidate(): void {
    this.guests = { at: -Infinity };
    this.bridges.clear();
  }

  private cached<T>(slot: Slot<T>, load: () => Promise<T>): Promise<T> {
    const now = this.clock.now();
    if (slot.value !== undefined && now - slot.at < this.ttlMs) return Promise.resolve(slot.value);
    if (slot.inflight) return slot.inflight;
    const p = load().then(
      (v) => {
        slot.value = v;
        slot.at = now;
        slot.inflight = undefined;
        return v;
      },
      (err: unknown) => {
        slot.inflight = undefined;
        throw err;
      },
    );
    slot.inflight = p;
    return p;
  }
}

export function indexGuests(list: readonly PveResource[]): Map<number, GuestEntry> {
  const out = new Map<number, GuestEntry>();
  for (const r of list) {
    if (r.type !== 'lxc' && r.type !== 'qemu') continue;
    if (typeof r.vmid !== 'number' || typeof r.node !== 'string') continue;
    const e: GuestEntry = {
      vmid: r.vmid,
      node: r.node,
      type: r.type,
      status: r.status ?? 'unknown',
      tags: typeof r['tags'] === 'string' ? r['tags'] : '',
      uptime: typeof r['uptime'] === 'number' ? r['uptime'] : 0,
    };
    if (typeof r.name === 'string') e.name = r.name;
    if (typeof r['lock'] === 'string' && r['lock'] !== '') e.lock = r['lock'];
    if (r['template'] === 1) e.template = true;
    out.set(r.vmid, e);
  }
  return out;
}
