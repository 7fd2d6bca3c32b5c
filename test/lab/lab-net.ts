/**
 * The lab's network, built only from namespaces this test creates (the root namespace gains nothing
 * but loopback listeners):
 *
 *   <p>-wan   eth0 192.0.2.254/24 ─── eth0 192.0.2.1/24 (WAN) ┐
 *                                                     <p>-appl (dnsmasq, nft `inet pxr`, Caddy, sshd)
 *   <p>-lan   bridge pxrlab-br 10.20.0.254/24 ─── eth1 10.20.0.1/24 (LAN) ┘
 *     ├── port app1 ─── eth0 of <p>-app1 (the MAC pxr gave the container; no address until DHCP)
 *     └── port app2 ─── eth0 of <p>-app2
 *
 * The appliance's interfaces are named as in the real container (net0 = eth0 = WAN, net1 = eth1 =
 * LAN), because the Appliance kind renders the services with those names. The bridge lives in a
 * `lan` namespace of its own, so the host never gets a 10.20.0.0/24 route; pxr's ssh connection
 * reaches the appliance through a relay inside that namespace (lab-procs.ts).
 * 192.0.2.0/24 is the documentation range and exists only between two of our namespaces.
 */
import { execFile } from 'node:child_process';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const LAB_PREFIX = 'pxrlab-';

export const LAB = {
  lanCidr: '10.20.0.1/24',
  gateway: '10.20.0.1',
  /** The `lan` namespace's own address on the bridge (where the ssh relay connects from). */
  bridgeAddr: '10.20.0.254',
  wanAddr: '192.0.2.1',
  upstreamAddr: '192.0.2.254',
  apps: [
    // Each app's MAC is the one pxr gives its container (setMac, once the member exists).
    { name: 'app1', ip: '10.20.0.11' },
    { name: 'app2', ip: '10.20.0.12' },
  ],
} as const;

export type AppName = (typeof LAB.apps)[number]['name'];

export interface LabNames {
  appl: string;
  lan: string;
  wan: string;
  app1: string;
  app2: string;
}

export function labNames(pid: number = process.pid): LabNames {
  const p = `${LAB_PREFIX}${pid}`;
  return {
    appl: `${p}-appl`,
    lan: `${p}-lan`,
    wan: `${p}-wan`,
    app1: `${p}-app1`,
    app2: `${p}-app2`,
  };
}

/** `ip netns exec <ns> ...argv`, failing with the command's stderr. */
export async function nsRun(ns: string, argv: string[], timeoutMs = 10_000): Promise<string> {
  const { stdout } = await run('ip', ['netns', 'exec', ns, ...argv], { timeout: timeoutMs });
  return stdout;
}

async function ip(...args: string[]): Promise<void> {
  try {
    await run('ip', args, { timeout: 10_000 });
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? '';
    throw new Error(`ip ${args.join(' ')} failed: ${stderr.trim() || String(err)}`);
  }
}

/** Every network namespace whose name starts with `prefix`. */
export async function listNamespaces(prefix: string): Promise<string[]> {
  const { stdout } = await run('ip', ['-o', 'netns', 'list'], { timeout: 10_000 });
  return stdout
    .split('\n')
    .map((l) => l.split(/\s+/)[0] ?? '')
    .filter((n) => n.startsWith(prefix));
}

/** Kills every process still inside `ns` (daemons of a crashed run), then deletes it. */
export async function removeNamespace(ns: string): Promise<void> {
  const { stdout } = await run('ip', ['netns', 'pids', ns], { timeout: 10_000 }).catch(() => ({
    stdout: '',
  }));
  for (const pid of stdout.split(/\s+/).filter((p) => /^\d+$/.test(p))) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // Already gone between the listing and the kill: nothing left to stop.
    }
  }
  await run('ip', ['netns', 'del', ns], { timeout: 10_000 }).catch((err: unknown) => {
    // Deleting an absent namespace is the goal reached; anything else must be seen.
    if (!/No such file/.test((err as { stderr?: string }).stderr ?? '')) throw err;
  });
  await rm(`/etc/netns/${ns}`, { recursive: true, force: true });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Removes what an earlier run left behind: our own prefix always, and `pxrlab-<pid>-*` of a test
 * process that no longer exists (a run killed before its `after`): namespaces (with the processes in
 * them) and temp folders under `tmp`. A live run's are kept.
 */
export async function removeLeftovers(names: LabNames, tmp: string): Promise<string[]> {
  const removed: string[] = [];
  const own = names.appl.replace(/-appl$/, '-');
  const stale = (name: string): boolean => {
    const pid = Number(/^pxrlab-(\d+)-/.exec(name)?.[1]);
    return name.startsWith(own) || (Number.isInteger(pid) && pid > 0 && !alive(pid));
  };
  for (const ns of (await listNamespaces(LAB_PREFIX)).filter(stale)) {
    await removeNamespace(ns);
    removed.push(ns);
  }
  // The temp folders of those runs (keys, configs, leases), named `pxrlab-<pid>-*` by the test.
  for (const entry of (await readdir(tmp)).filter((e) => e.startsWith(LAB_PREFIX) && stale(e))) {
    await rm(join(tmp, entry), { recursive: true, force: true });
    removed.push(join(tmp, entry));
  }
  return removed;
}

/** Builds the whole topology; throws (never skips) when any step fails. */
export async function createLab(n: LabNames): Promise<void> {
  for (const ns of [n.appl, n.lan, n.wan, n.app1, n.app2]) {
    await ip('netns', 'add', ns);
    await ip('-n', ns, 'link', 'set', 'lo', 'up');
    // `ip netns exec` bind-mounts this over /etc/resolv.conf, so nothing inside a namespace (nor a
    // DHCP client script) can ever reach the host's resolver config. It starts with no server: an
    // app resolves names only once its lease told it where dnsmasq is (setResolver).
    await mkdir(`/etc/netns/${ns}`, { recursive: true });
    await writeFile(`/etc/netns/${ns}/resolv.conf`, '# pxr lab: no resolver until DHCP\n');
  }
  // The LAN: a bridge in its own namespace, the appliance and both apps plugged into it.
  await ip('-n', n.lan, 'link', 'add', 'name', 'pxrlab-br', 'type', 'bridge');
  await ip('-n', n.lan, 'addr', 'add', `${LAB.bridgeAddr}/24`, 'dev', 'pxrlab-br');
  await ip('-n', n.lan, 'link', 'set', 'pxrlab-br', 'up');
  const plug = async (port: string, ns: string, ifname: string, mac?: string): Promise<void> => {
    await ip(
      '-n',
      n.lan,
      'link',
      'add',
      'name',
      port,
      'type',
      'veth',
      'peer',
      'name',
      ifname,
      'netns',
      ns,
    );
    if (mac) await ip('-n', ns, 'link', 'set', ifname, 'address', mac);
    await ip('-n', n.lan, 'link', 'set', port, 'master', 'pxrlab-br');
    await ip('-n', n.lan, 'link', 'set', port, 'up');
    await ip('-n', ns, 'link', 'set', ifname, 'up');
  };
  await plug('appl', n.appl, 'eth1', 'bc:24:11:1a:b0:fe');
  await ip('-n', n.appl, 'addr', 'add', LAB.lanCidr, 'dev', 'eth1');
  for (const app of LAB.apps) await plug(app.name, n[app.name], 'eth0');
  // The WAN: a point-to-point link to the `wan` namespace standing in for the uplink.
  await ip(
    '-n',
    n.appl,
    'link',
    'add',
    'name',
    'eth0',
    'type',
    'veth',
    'peer',
    'name',
    'eth0',
    'netns',
    n.wan,
  );
  await ip('-n', n.appl, 'addr', 'add', `${LAB.wanAddr}/24`, 'dev', 'eth0');
  await ip('-n', n.wan, 'addr', 'add', `${LAB.upstreamAddr}/24`, 'dev', 'eth0');
  await ip('-n', n.appl, 'link', 'set', 'eth0', 'up');
  await ip('-n', n.wan, 'link', 'set', 'eth0', 'up');
  await ip('-n', n.appl, 'route', 'add', 'default', 'via', LAB.upstreamAddr);
}

/** Removes every namespace of this run (and the processes still inside them). */
export async function destroyLab(n: LabNames): Promise<void> {
  const errors: unknown[] = [];
  for (const ns of [n.app1, n.app2, n.appl, n.wan, n.lan])
    await removeNamespace(ns).catch((err: unknown) => errors.push(err));
  if (errors.length > 0) throw new AggregateError(errors, 'lab cleanup failed');
}

/** Gives an app's LAN interface the MAC pxr chose for it (the reservation is bound to it). */
export async function setMac(ns: string, mac: string, iface = 'eth0'): Promise<void> {
  await ip('-n', ns, 'link', 'set', iface, 'down');
  await ip('-n', ns, 'link', 'set', iface, 'address', mac);
  await ip('-n', ns, 'link', 'set', iface, 'up');
}

/** Writes the resolver config an app got from its lease. */
export async function setResolver(ns: string, nameserver: string, search: string): Promise<void> {
  await writeFile(`/etc/netns/${ns}/resolv.conf`, `search ${search}\nnameserver ${nameserver}\n`);
}
