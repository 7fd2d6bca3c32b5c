/**
 * Proxmox task ids (UPIDs). Format from pve-common `PVE::UPID`:
 * `UPID:<node>:<pid 8 hex>:<pstart 8-9 hex>:<starttime 8 hex>:<type>:<id>:<user>:` — the trailing
 * colon is part of it. The node is encoded in the UPID, which is what lets a restarted controller
 * poll a task it only remembers by UPID.
 */

export interface Upid {
  node: string;
  pid: number;
  pstart: number;
  /** Seconds since the epoch. */
  starttime: number;
  /** `srvreload`, `vzcreate`, ... */
  type: string;
  /** `networking`, `100`, or empty. */
  id: string;
  /** `root@pam` or `root@pam!pxr` for tokens. */
  user: string;
}

// Same pattern as UPID.pm's decode_upid, so we accept exactly what Proxmox accepts.
const UPID_RE =
  /^UPID:([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?):([0-9A-Fa-f]{8}):([0-9A-Fa-f]{8,9}):([0-9A-Fa-f]{8}):([^:\s]+):([^:\s]*):([^:\s]+):$/;

/** Parses a UPID; returns undefined when it is not one (callers decide whether that is an error). */
export function parseUpid(upid: string): Upid | undefined {
  const m = UPID_RE.exec(upid);
  if (!m) return undefined;
  return {
    node: m[1] ?? '',
    pid: parseInt(m[3] ?? '', 16),
    pstart: parseInt(m[4] ?? '', 16),
    starttime: parseInt(m[5] ?? '', 16),
    type: m[6] ?? '',
    id: m[7] ?? '',
    user: m[8] ?? '',
  };
}

function hex8(n: number): string {
  return n.toString(16).toUpperCase().padStart(8, '0');
}

/** Formats a UPID exactly as `PVE::UPID::encode_upid` does (`%08X`, trailing colon). */
export function formatUpid(u: Upid): string {
  return `UPID:${u.node}:${hex8(u.pid)}:${hex8(u.pstart)}:${hex8(u.starttime)}:${u.type}:${u.id}:${u.user}:`;
}

/** `OK` and `WARNINGS: n` are successes; anything else is the task's error text. */
export function isTaskSuccess(exitstatus: string): boolean {
  return exitstatus === 'OK' || /^WARNINGS: \d+$/.test(exitstatus);
}
