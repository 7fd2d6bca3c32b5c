/**
 * The lab's processes: every daemon is a child of this test started with `ip netns exec` (which execs
 * the program itself, so the child's pid is the daemon's), tracked here and stopped by pid in `after`.
 * Output is kept (bounded) so a failing wait says what the daemon printed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { waitFor } from '../helpers/wait.js';

export interface LabChild {
  readonly label: string;
  readonly child: ChildProcess;
  /** The last few KB of stdout+stderr. */
  output(): string;
}

export class LabProcs {
  private readonly children: LabChild[] = [];

  /** Starts `argv` inside network namespace `ns`. */
  spawnIn(ns: string, argv: string[], label: string, env?: Record<string, string>): LabChild {
    const child = spawn('ip', ['netns', 'exec', ns, ...argv], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    let out = '';
    const keep = (b: Buffer): void => {
      out = (out + b.toString()).slice(-8000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    // A spawn failure is reported through output(); waits on the child then fail naming it.
    child.on('error', (err) => keep(Buffer.from(`\nspawn error: ${err.message}\n`)));
    const c: LabChild = { label, child, output: () => out };
    this.children.push(c);
    return c;
  }

  /** Waits (bounded) until the child printed `marker`; fails early with its output if it exits. */
  async waitOutput(c: LabChild, marker: string | RegExp, timeoutMs = 15_000): Promise<void> {
    await waitFor(
      `${c.label} to print ${String(marker)}`,
      () => {
        const out = c.output();
        if (typeof marker === 'string' ? out.includes(marker) : marker.test(out)) return true;
        if (c.child.exitCode !== null || c.child.signalCode !== null)
          throw new Error(`${c.label} exited (${c.child.exitCode ?? c.child.signalCode}): ${out}`);
        return undefined;
      },
      timeoutMs,
    );
  }

  /** TERM every child still running, KILL after a bound, in reverse start order. */
  async stopAll(timeoutMs = 5000): Promise<void> {
    for (const c of this.children.reverse()) {
      const { child } = c;
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) continue;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(t);
    }
    this.children.length = 0;
  }
}

/** A tiny app: answers `<name> <url> host=<Host header>`; prints `listening` when bound. */
const APP_SERVER = `
const [name, host, port] = process.argv.slice(1);
require('node:http')
  .createServer((req, res) => res.end(name + ' ' + req.url + ' host=' + req.headers.host))
  .listen(Number(port), host, () => console.log('listening'));
`;

/** The WAN's far end: answers with the address the request came from (masquerade makes it ours). */
const ECHO_SERVER = `
const [host, port] = process.argv.slice(1);
require('node:http')
  .createServer((req, res) => res.end('from ' + req.socket.remoteAddress))
  .listen(Number(port), host, () => console.log('listening'));
`;

/**
 * Forwards each connection on a unix socket (a file: reachable from every network namespace) to
 * host:port as seen from inside the namespace it runs in.
 */
const RELAY = `
const net = require('node:net');
const [sock, host, port] = process.argv.slice(1);
net
  .createServer((c) => {
    const u = net.connect(Number(port), host);
    c.pipe(u).pipe(c);
    c.on('error', () => u.destroy());
    u.on('error', () => c.destroy());
  })
  .listen(sock, () => console.log('ready'));
`;

export async function startApp(
  procs: LabProcs,
  ns: string,
  name: string,
  host: string,
  port: number,
): Promise<LabChild> {
  const c = procs.spawnIn(ns, [process.execPath, '-e', APP_SERVER, name, host, String(port)], name);
  await procs.waitOutput(c, 'listening');
  return c;
}

export async function startEcho(
  procs: LabProcs,
  ns: string,
  host: string,
  port: number,
): Promise<LabChild> {
  const c = procs.spawnIn(ns, [process.execPath, '-e', ECHO_SERVER, host, String(port)], 'echo');
  await procs.waitOutput(c, 'listening');
  return c;
}

/** A relay inside `ns` from the unix socket `sock` to host:port. */
export async function startRelay(
  procs: LabProcs,
  ns: string,
  sock: string,
  host: string,
  port: number,
): Promise<LabChild> {
  const c = procs.spawnIn(ns, [process.execPath, '-e', RELAY, sock, host, String(port)], 'relay');
  await procs.waitOutput(c, 'ready');
  return c;
}

/**
 * Caddy inside `ns` with only its admin API (on the namespace's own loopback): the appliance's
 * proxy config is entirely pxr's to load.
 */
export async function startCaddyIn(
  procs: LabProcs,
  ns: string,
  dir: string,
  adminListen: string,
): Promise<LabChild> {
  const init = `${dir}/caddy-init.json`;
  await writeFile(init, JSON.stringify({ admin: { listen: adminListen } }));
  const c = procs.spawnIn(ns, ['caddy', 'run', '--config', init], 'caddy', {
    HOME: dir,
    XDG_DATA_HOME: dir,
    XDG_CONFIG_HOME: dir,
  });
  await procs.waitOutput(c, 'serving initial configuration');
  return c;
}
