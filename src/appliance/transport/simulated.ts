/**
 * The simulated appliance of `pxr run --sim` (no root, no daemons): the few commands pxr's services
 * run are emulated — `dnsmasq --test`/`-C`, `kill`, `mkdir -p`, `nft`, `sysctl`, and `curl` against
 * a simulated Caddy. It accepts what pxr's renderers produce and keeps enough state that drift made
 * by hand (through the same commands) is observed like the real one. Its files and processes live
 * where a real appliance's would: in its container of the built-in simulator (a `GuestHome`), so
 * they are saved with the cluster and outlive the process; without one, in this object's memory.
 * Kept apart from the real transports on purpose: nothing here runs a process.
 */
import { PxrError } from '../../core/errors.js';
import type { GuestState } from '../../sim/index.js';
import { listNftJson, parseNftFile } from './simulated-nft.js';
import type { NftChain } from '../render/nftables.js';
import { parseCurl, SimulatedCaddy } from './simulated-caddy.js';
import type { ExecOptions, ExecResult, Transport } from './types.js';

const OK: ExecResult = { code: 0, stdout: '', stderr: '' };
const fail = (code: number, stderr: string): ExecResult => ({
  code,
  stdout: '',
  stderr: `${stderr}\n`,
});

/** Where a simulated appliance's inside is kept. */
export interface GuestHome {
  /**
   * The inside of the appliance's container, made by `init` when first reached.
   * @throws PxrError `TRANSPORT_UNREACHABLE` when the container does not exist or is not running.
   */
  guest(init: () => GuestState): GuestState;
  /** Called after each change of the inside (the simulator saves its state). */
  changed(): void;
}

/** A home in this process's memory: the appliance starts empty in every process. */
function memoryHome(): GuestHome {
  let g: GuestState | undefined;
  return { guest: (init) => (g ??= init()), changed: () => undefined };
}

export interface SimulatedApplianceOptions {
  /** Where the simulated Caddy's admin API listens before the first /load. @default '127.0.0.1:2019' */
  caddyAdminListen?: string;
  /** Where its files and processes live. @default this object's memory */
  home?: GuestHome;
}

export class SimulatedTransport implements Transport {
  readonly description = 'simulated appliance';
  /** True when nothing outlives this object (no simulator container keeps the inside). */
  readonly startsEmpty: boolean;
  /** Every command run, for tests and the --sim log. */
  readonly commands: string[][] = [];
  /** Signals delivered to simulated processes (`HUP`, `TERM`). */
  readonly signals: Array<{ pid: number; signal: string }> = [];
  readonly caddy: SimulatedCaddy;
  private readonly home: GuestHome;
  private readonly init: () => GuestState;
  private closed = false;

  constructor(opts: SimulatedApplianceOptions = {}) {
    const adminListen = opts.caddyAdminListen ?? '127.0.0.1:2019';
    this.init = () => ({
      files: {},
      procs: {},
      nextPid: 1000,
      sysctl: { 'net.ipv4.ip_forward': '0' },
      caddy: { adminListen, config: null },
    });
    this.home = opts.home ?? memoryHome();
    this.startsEmpty = opts.home === undefined;
    this.caddy = new SimulatedCaddy(
      () => this.guest().caddy,
      () => this.home.changed(),
      (p) => this.files[p],
    );
  }

  private guest(): GuestState {
    return this.home.guest(this.init);
  }

  /** The container's files: absolute path -> content. */
  get files(): Record<string, string> {
    return this.guest().files;
  }

  get sysctl(): Record<string, string> {
    return this.guest().sysctl;
  }

  /** The `inet pxr` table; undefined when absent. */
  get nft(): NftChain[] | undefined {
    return this.guest().nft;
  }

  exec(argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
    if (this.closed)
      return Promise.reject(
        new PxrError('TRANSPORT_CLOSED', 'the simulated appliance transport is closed'),
      );
    this.commands.push([...argv]);
    const stdin =
      typeof opts.stdin === 'string' ? opts.stdin : (opts.stdin?.toString('utf8') ?? '');
    return this.attempt(() => this.run(argv, stdin));
  }

  /** Runs `fn` against the inside: an unreachable container rejects, as a failed connection does. */
  private attempt<T>(fn: () => T): Promise<T> {
    try {
      return Promise.resolve(fn());
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private run(argv: readonly string[], stdin: string): ExecResult {
    this.guest(); // every command needs the container reachable, even `mkdir`
    const [cmd, ...args] = argv;
    switch (cmd) {
      case 'mkdir':
        return OK;
      case 'kill':
        return this.kill(args);
      case 'dnsmasq':
        return this.dnsmasq(args);
      case 'nft':
        return this.nftCommand(args);
      case 'sysctl':
        return this.sysctlCommand(args);
      case 'curl': {
        const req = parseCurl(argv, stdin);
        return req ? this.caddy.handle(req) : fail(2, 'curl: (2) bad arguments');
      }
      default:
        return fail(127, `${cmd ?? ''}: not found (simulated appliance)`);
    }
  }

  /** Pids of simulated processes running `name`. */
  running(name: string): number[] {
    return Object.entries(this.guest().procs)
      .filter(([, n]) => n === name)
      .map(([pid]) => Number(pid));
  }

  private kill(args: string[]): ExecResult {
    const [flag, pidText] = args;
    const pid = Number(pidText);
    const g = this.guest();
    if (g.procs[pid] === undefined) return fail(1, `kill: (${pidText ?? ''}) - No such process`);
    const signal = (flag ?? '-TERM').slice(1);
    if (signal === '0') return OK;
    this.signals.push({ pid, signal });
    if (signal === 'TERM' || signal === 'KILL') {
      delete g.procs[pid];
      delete g.files[`/proc/${pid}/stat`];
      this.home.changed();
    }
    return OK;
  }

  private dnsmasq(args: string[]): ExecResult {
    const g = this.guest();
    const conf = args[args.indexOf('-C') + 1];
    const text = conf === undefined ? undefined : g.files[conf];
    if (text === undefined)
      return fail(3, `dnsmasq: cannot read ${conf ?? '(no -C)'}: No such file or directory`);
    const lines = text.split('\n');
    const bad = lines.findIndex(
      (l) => l !== '' && !l.startsWith('#') && !/^[a-z][a-z0-9-]*(=\S.*)?$/.test(l),
    );
    if (bad >= 0) return fail(1, `dnsmasq: bad option at line ${bad + 1} of ${conf ?? ''}`);
    if (args.includes('--test'))
      return { code: 0, stdout: '', stderr: 'dnsmasq: syntax check OK.\n' };
    const pid = g.nextPid++;
    g.procs[pid] = 'dnsmasq';
    // What the service reads to tell its daemon from whatever else might hold a stale pid.
    g.files[`/proc/${pid}/stat`] = `${pid} (dnsmasq) S 1 ${pid} ${pid} 0 -1\n`;
    const pidFile = lines.find((l) => l.startsWith('pid-file='))?.slice('pid-file='.length);
    if (pidFile) g.files[pidFile] = `${pid}\n`;
    this.home.changed();
    return OK;
  }

  private nftCommand(args: string[]): ExecResult {
    const g = this.guest();
    const joined = args.join(' ');
    if (joined === '-j list table inet pxr')
      return g.nft
        ? { code: 0, stdout: listNftJson(g.nft), stderr: '' }
        : fail(1, 'Error: No such file or directory\nlist table inet pxr');
    if (joined === 'flush table inet pxr' && g.nft) {
      for (const c of g.nft) c.rules = [];
      this.home.changed();
      return OK;
    }
    if (joined === 'delete table inet pxr' && g.nft) {
      delete g.nft;
      this.home.changed();
      return OK;
    }
    const file = args[args.indexOf('-f') + 1];
    if (args.includes('-f') && file !== undefined) {
      const text = g.files[file];
      if (text === undefined)
        return fail(1, `Error: Could not process rule: No such file or directory\n${file}`);
      try {
        const chains = parseNftFile(text);
        if (!args.includes('-c')) {
          g.nft = chains;
          this.home.changed();
        }
        return OK;
      } catch (err) {
        return fail(1, `${file}:${(err as Error).message}`);
      }
    }
    return fail(1, `Error: syntax error (simulated nft): ${joined}`);
  }

  private sysctlCommand(args: string[]): ExecResult {
    const g = this.guest();
    if (args[0] === '-n' && args[1] !== undefined) {
      const v = g.sysctl[args[1]];
      return v === undefined
        ? fail(255, `sysctl: cannot stat ${args[1]}`)
        : { code: 0, stdout: `${v}\n`, stderr: '' };
    }
    if (args[0] === '-w' && args[1]?.includes('=')) {
      const [k = '', v = ''] = args[1].split('=');
      g.sysctl[k] = v;
      this.home.changed();
      return { code: 0, stdout: `${k} = ${v}\n`, stderr: '' };
    }
    return fail(255, `sysctl: bad arguments ${args.join(' ')}`);
  }

  readFile(path: string): Promise<string | undefined> {
    return this.attempt(() => this.guest().files[path]);
  }

  writeFile(path: string, content: string): Promise<void> {
    return this.attempt(() => {
      this.guest().files[path] = content;
      this.home.changed();
    });
  }

  removeFile(path: string): Promise<void> {
    return this.attempt(() => {
      const files = this.guest().files;
      if (!(path in files)) return;
      delete files[path];
      this.home.changed();
    });
  }

  listDir(path: string): Promise<string[]> {
    return this.attempt(() => namesUnder(Object.keys(this.guest().files), path));
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

/** The entries of folder `dir` among in-memory file paths (what `ls -A` would list), sorted. */
export function namesUnder(paths: Iterable<string>, dir: string): string[] {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  const names = new Set<string>();
  for (const p of paths)
    if (p.startsWith(prefix)) names.add(p.slice(prefix.length).split('/')[0] ?? '');
  return [...names].filter(Boolean).sort();
}
