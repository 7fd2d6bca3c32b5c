/**
 * A real OpenSSH server inside the appliance namespace, listening on the appliance's LAN address:
 * what pxr's `ssh` transport logs into. Keys are generated per run; the host key's fingerprint is
 * what the transport pins. (test/appliance/transport-sshd.ts starts its sshd on the root namespace's
 * loopback, which a namespace cannot offer; its fingerprint helper is reused.)
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fingerprintOf } from '../appliance/transport-sshd.js';
import type { LabChild, LabProcs } from './lab-procs.js';

export const SSHD_BIN = '/usr/sbin/sshd';

export interface LabSshd {
  proc: LabChild;
  clientKey: string;
  hostFingerprint: string;
}

function keygen(path: string): void {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'pxr-lab', '-f', path]);
}

export async function startSshdIn(
  procs: LabProcs,
  ns: string,
  dir: string,
  listen: string,
): Promise<LabSshd> {
  keygen(join(dir, 'ssh-host'));
  keygen(join(dir, 'ssh-client'));
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'ssh-client.pub')));
  // sshd refuses to start without its privilege separation folder.
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const config = join(dir, 'sshd_config');
  writeFileSync(
    config,
    [
      `ListenAddress ${listen}:22`,
      `HostKey ${join(dir, 'ssh-host')}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'PermitRootLogin prohibit-password',
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'StrictModes no',
      'UsePAM no',
      'LogLevel INFO',
      '',
    ].join('\n'),
  );
  // sshd runs every command through root's shell, and bash sources ~/.bashrc when sshd starts it:
  // a developer or CI machine's rc (pyenv init, cargo env) cost ~1.3 s per command under load, which
  // an appliance's root does not have. `ip netns exec` gives sshd a mount namespace of its own, so
  // an empty file bound over the rc there hides it from this sshd only.
  const empty = join(dir, 'empty-rc');
  writeFileSync(empty, '');
  const hideRc =
    'if [ -f /root/.bashrc ]; then mount --bind "$0" /root/.bashrc || exit 1; fi; exec "$@"';
  const argv = ['sh', '-c', hideRc, empty, SSHD_BIN, '-D', '-e', '-f', config];
  const proc = procs.spawnIn(ns, argv, 'sshd');
  await procs.waitOutput(proc, `Server listening on ${listen} port 22`);
  return {
    proc,
    clientKey: readFileSync(join(dir, 'ssh-client'), 'utf8'),
    hostFingerprint: fingerprintOf(join(dir, 'ssh-host.pub')),
  };
}
