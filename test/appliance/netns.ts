import { execFile } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A network namespace of our own standing in for the appliance: `lan0` (10.20.0.1/24) and `wan0`
 * are links of its own, so dnsmasq and nft work on real interfaces without touching the host's network.
 * `ip netns exec` bind-mounts /etc/netns/<name>/resolv.conf, which points the namespace's resolver
 * (getent) at the dnsmasq under test.
 */
export class Netns {
  readonly execPrefix: string[];
  constructor(readonly name: string) {
    this.execPrefix = ['ip', 'netns', 'exec', name];
  }

  async create(): Promise<void> {
    await run('ip', ['netns', 'add', this.name]);
    const inNs = (...args: string[]): Promise<unknown> => run('ip', ['-n', this.name, ...args]);
    await inNs('link', 'set', 'lo', 'up');
    // veth pairs with both ends inside: this sandbox's kernel has no `dummy` links.
    await inNs('link', 'add', 'lan0', 'type', 'veth', 'peer', 'name', 'lan0p');
    await inNs('link', 'add', 'wan0', 'type', 'veth', 'peer', 'name', 'wan0p');
    await inNs('addr', 'add', '10.20.0.1/24', 'dev', 'lan0');
    for (const l of ['lan0', 'lan0p', 'wan0', 'wan0p']) await inNs('link', 'set', l, 'up');
    await mkdir(`/etc/netns/${this.name}`, { recursive: true });
    await writeFile(`/etc/netns/${this.name}/resolv.conf`, 'nameserver 10.20.0.1\n');
  }

  exec(argv: string[]): Promise<{ stdout: string; stderr: string }> {
    return run(this.execPrefix[0] ?? 'ip', [...this.execPrefix.slice(1), ...argv]);
  }

  /** The IPv4 addresses the namespace's resolver finds for `name` ([] when none). */
  async resolve(name: string): Promise<string[]> {
    try {
      const { stdout } = await this.exec(['getent', 'ahostsv4', name]);
      return [
        ...new Set(
          stdout
            .split('\n')
            .map((l) => l.split(/\s+/)[0] ?? '')
            .filter(Boolean),
        ),
      ];
    } catch {
      // getent exits 2 for "not found"; that is an answer here, not an error.
      return [];
    }
  }

  async destroy(): Promise<void> {
    await run('ip', ['netns', 'del', this.name]).catch(() => undefined);
    await rm(`/etc/netns/${this.name}`, { recursive: true, force: true });
  }
}
