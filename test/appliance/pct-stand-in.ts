/**
 * A stand-in for Proxmox's `pct` on a "node" reached through a real sshd (transport-sshd.ts):
 * `pct exec` runs the command chrooted into a temp container root (the host's /usr read-only and
 * /dev bind-mounted in a private mount namespace, so the container has real binaries but its own
 * /etc and /tmp), `pct push` copies a node file into that root. Every call is logged.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { createPctTransport } from '../../src/appliance/transport/pct.js';
import { shellQuoteArg } from '../../src/appliance/transport/quote.js';
import type { Transport } from '../../src/appliance/transport/types.js';
import type { Sshd } from './transport-sshd.js';

export const VMID = 105;

/** The stand-in needs a private mount namespace (root with CAP_SYS_ADMIN). */
export function unshareUnavailable(): string | undefined {
  try {
    execFileSync('unshare', ['-m', 'true'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'unshare -m is not permitted here (the stand-in pct chroots in a mount namespace)';
  }
}

/** A container root with the host's binaries (through /usr) and its own /etc, /tmp, /root. */
export function makeContainerRoot(root: string): string {
  for (const d of ['usr', 'dev', 'tmp', 'etc', 'root'])
    mkdirSync(join(root, d), { recursive: true });
  for (const l of ['bin', 'lib', 'lib64', 'sbin']) symlinkSync(`usr/${l}`, join(root, l));
  return root;
}

export function standInPct(root: string, log: string): string {
  return `#!/bin/sh
# Stand-in for Proxmox's pct: container ${VMID}, whose root filesystem is ROOT.
ROOT=${shellQuoteArg(root)}
printf '%s\\037' "$@" >> ${shellQuoteArg(log)}; echo >> ${shellQuoteArg(log)}
cmd=$1; vmid=$2
if [ "$vmid" != ${VMID} ]; then
  echo "Configuration file 'nodes/pve/lxc/$vmid.conf' does not exist" >&2; exit 2
fi
shift 2
case $cmd in
exec)
  [ "$1" = -- ] && shift
  exec unshare -m sh -c 'mount --bind -o ro /usr "$0/usr" && mount --bind /dev "$0/dev" && exec chroot "$0" "$@"' "$ROOT" "$@" ;;
push)
  src=$1; dst=$2; shift 2; perms=
  while [ $# -gt 0 ]; do
    case $1 in --perms) perms=$2; shift 2 ;; *) echo "unknown option: $1" >&2; exit 255 ;; esac
  done
  case $dst in /*) ;; *) echo "destination must be an absolute path" >&2; exit 255 ;; esac
  [ -d "$ROOT\${dst%/*}" ] || { echo "failed to open $dst for writing: No such file or directory" >&2; exit 255; }
  cat -- "$src" > "$ROOT$dst" && { [ -z "$perms" ] || chmod "$perms" "$ROOT$dst"; } ;;
*) echo "unknown command 'pct $cmd'" >&2; exit 255 ;;
esac
`;
}

export interface PctContainer {
  /** The container's root filesystem on this machine. */
  root: string;
  /** Where writes are staged on the "node". */
  stage: string;
  /** Every call to the stand-in, one line each, arguments separated by \x1f. */
  pctLog: string;
  /** The pct transport into container {@link VMID}, through `sshd`. */
  transport: Transport;
}

/** A container root, the stand-in pct and a staging folder below `sshd`'s folder, and the transport. */
export function pctContainer(sshd: Sshd, logger?: Logger): PctContainer {
  const root = makeContainerRoot(join(sshd.dir, 'ct-root'));
  const stage = join(sshd.dir, 'stage');
  mkdirSync(stage);
  const pctLog = join(sshd.dir, 'pct.log');
  writeFileSync(pctLog, '');
  const pct = join(sshd.dir, 'bin', 'pct');
  mkdirSync(join(sshd.dir, 'bin'));
  writeFileSync(pct, standInPct(root, pctLog));
  chmodSync(pct, 0o755);
  const transport = createPctTransport({
    ssh: {
      host: '127.0.0.1',
      port: sshd.port,
      username: 'root',
      privateKey: sshd.clientKey,
      hostKeyFingerprint: sshd.hostFingerprint,
      ...(logger ? { logger } : {}),
    },
    vmid: VMID,
    pctPath: pct,
    nodeTmpDir: stage,
  });
  return { root, stage, pctLog, transport };
}
