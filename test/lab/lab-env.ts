/**
 * Whether the lab can run here. Outside CI, no root or a missing tool skips it with a message naming
 * the Debian packages; in CI (CI set, run as root) nothing is skipped: `requireLabTools` fails the run.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { SSHD_BIN } from './lab-sshd.js';

// The daemons and tools live in /usr/sbin, which is not on every PATH (a non-login shell, a CI
// runner): the lab runs them by name (also through `ip netns exec`), so this test process finds them.
for (const dir of ['/usr/local/sbin', '/usr/sbin', '/sbin'])
  if (!(process.env.PATH ?? '').split(':').includes(dir))
    process.env.PATH = `${process.env.PATH ?? ''}:${dir}`;

/** Binary → Debian package (the same lines are in the NEED table of .ci/run). */
export const LAB_TOOLS: Record<string, string> = {
  ip: 'iproute2',
  dnsmasq: 'dnsmasq-base',
  nft: 'nftables',
  caddy: 'caddy',
  curl: 'curl',
  dhclient: 'isc-dhcp-client',
  getent: 'libc-bin',
  sysctl: 'procps',
  'ssh-keygen': 'openssh-client',
  [SSHD_BIN]: 'openssh-server',
};

function have(bin: string): boolean {
  if (bin.startsWith('/')) return existsSync(bin);
  try {
    execFileSync('sh', ['-c', 'command -v "$1"', 'sh', bin], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** What is missing, as one sentence; undefined when the lab can run. */
export function labUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'the lab needs root (network namespaces, DHCP, nftables)';
  const missing = Object.keys(LAB_TOOLS).filter((b) => !have(b));
  if (missing.length === 0) return undefined;
  const pkgs = [...new Set(missing.map((b) => LAB_TOOLS[b]))].join(' ');
  return `missing ${missing.join(', ')} (apt-get install -y ${pkgs})`;
}

/** The `skip` option of the lab's describe: a message outside CI, never in CI. */
export function labSkip(): string | false {
  const why = labUnavailable();
  if (!why || process.env.CI) return false;
  return `appliance lab skipped: ${why}; it is required in CI`;
}

/** Throws when the lab cannot run (in CI, where it was not skipped). */
export function requireLabTools(): void {
  const why = labUnavailable();
  if (why) throw new Error(`appliance lab cannot run: ${why}`);
}
