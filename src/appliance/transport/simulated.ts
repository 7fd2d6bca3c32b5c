/**
 * An in-memory appliance for `pxr run --sim` (no root, no daemons): files live in a Map and the few
 * commands pxr's services run are emulated — `dnsmasq --test`/`-C`, `kill`, `mkdir -p`, `nft`,
 * `sysctl`, and `curl` against a simulated Caddy. It accepts what pxr's renderers produce and keeps
 * enough state that drift made by hand (through the same commands) is observed like the real one.
 * Kept apart from the real transports on purpose: nothing here runs a process.
 */
import { PxrError } from '../../core/errors.js';
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

export interface SimulatedApplianceOptions {
  /** Where the simulated Caddy's admin API listens before the first /load. @default '127.0.0.1:2019' */
  caddyAdminListen?: string;
}

export class SimulatedTransport implements Transport {
  readonly description = 'simulated appliance';
  readonly files = new Map<string, string>();
  /** Every command run, for tests and the --sim log. */
  readonly commands: string[][] = [];
  /** Signals delivered to simulated processes (`HUP`, `TERM`). */
  readonly signals: Array<{ pid: number; signal: string }> = [];
  readonly sysctl = new Map<string, string>([['net.ipv4.ip_forward', '0']]);
  readonly caddy: SimulatedCaddy;
  /** The `inet pxr` table; undefined when absent. */
  nft: NftChain[] | undefined;
  private readonly procs = new Map<number, string>();
  private nextPid = 1000;
  private closed = false;

  constructor(opts: SimulatedApplianceOptions = {}) {
    this.caddy = new SimulatedCaddy(opts.caddyAdminListen ?? '127.0.0.1:2019', (p) =>
      this.files.get(p),
    );
  }

  exec(argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
    if (this.closed)
      return Promise.reject(
        new PxrError('TRANSPORT_CLOSED', 'the simulated appliance transport is closed'),
      );
    this.commands.push([...argv]);
    const stdin =
      typeof opts.stdin === 'string' ? opts.stdin : (opts.stdin?.toString('utf8') ?? '');
    return Promise.resolve(this.run(argv, stdin));
  }

  private run(argv: readonly string[], stdin: string): ExecResult {
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
    return [...this.procs].filter(([, n]) => n === name).map(([pid]) => pid);
  }

  private kill(args: string[]): ExecResult {
    const [flag, pidText] = args;
    const pid = Number(pidText);
    if (!this.procs.has(pid)) return fail(1, `kill: (${pidText ?? ''}) - No such process`);
    const signal = (flag ?? '-TERM').slice(1);
    if (signal === '0') return OK;
    this.signals.push({ pid, signal });
    if (signal === 'TERM' || signal === 'KILL') {
      this.procs.delete(pid);
      this.files.delete(`/proc/${pid}/stat`);
    }
    return OK;
  }

  private dnsmasq(args: string[]): ExecResult {
    const conf = args[args.indexOf('-C') + 1];
    const text = conf === undefined ? undefined : this.files.get(conf);
    if (text === undefined)
      return fail(3, `dnsmasq: cannot read ${conf ?? '(no -C)'}: No such file or directory`);
    const lines = text.split('\n');
    const bad = lines.findIndex(
      (l) => l !== '' && !l.startsWith('#') && !/^[a-z][a-z0-9-]*(=\S.*)?$/.test(l),
    );
    if (bad >= 0) return fail(1, `dnsmasq: bad option at line ${bad + 1} of ${conf ?? ''}`);
    if (args.includes('--test'))
      return { code: 0, stdout: '', stderr: 'dnsmasq: syntax check OK.\n' };
    const pid = this.nextPid++;
    this.procs.set(pid, 'dnsmasq');
    // What the service reads to tell its daemon from whatever else might hold a stale pid.
    this.files.set(`/proc/${pid}/stat`, `${pid} (dnsmasq) S 1 ${pid} ${pid} 0 -1\n`);
    const pidFile = lines.find((l) => l.startsWith('pid-file='))?.slice('pid-file='.length);
    if (pidFile) this.files.set(pidFile, `${pid}\n`);
    return OK;
  }

  private nftCommand(args: string[]): ExecResult {
    const joined = args.join(' ');
    if (joined === '-j list table inet pxr')
      return this.nft
        ? { code: 0, stdout: listNftJson(this.nft), stderr: '' }
        : fail(1, 'Error: No such file or directory\nlist table inet pxr');
    if (joined === 'flush table inet pxr' && this.nft) {
      for (const c of this.nft) c.rules = [];
      return OK;
    }
    if (joined === 'delete table inet pxr' && this.nft) {
      this.nft = undefined;
      return OK;
    }
    const file = args[args.indexOf('-f') + 1];
    if (args.includes('-f') && file !== undefined) {
      const text = this.files.get(file);
      if (text === undefined)
        return fail(1, `Error: Could not process rule: No such file or directory\n${file}`);
      try {
        const chains = parseNftFile(text);
        if (!args.includes('-c')) this.nft = chains;
        return OK;
      } catch (err) {
        return fail(1, `${file}:${(err as Error).message}`);
      }
    }
    return fail(1, `Error: syntax error (simulated nft): ${joined}`);
  }

  private sysctlCommand(args: string[]): ExecResult {
    if (args[0] === '-n' && args[1] !== undefined) {
      const v = this.sysctl.get(args[1]);
      return v === undefined
        ? fail(255, `sysctl: cannot stat ${args[1]}`)
        : { code: 0, stdout: `${v}\n`, stderr: '' };
    }
    if (args[0] === '-w' && args[1]?.includes('=')) {
      const [k = '', v = ''] = args[1].split('=');
      this.sysctl.set(k, v);
      return { code: 0, stdout: `${k} = ${v}\n`, stderr: '' };
    }
    return fail(255, `sysctl: bad arguments ${args.join(' ')}`);
  }

  readFile(path: string): Promise<string | undefined> {
    return Promise.resolve(this.files.get(path));
  }

  writeFile(path: string, content: string): Promise<void> {
    this.files.set(path, content);
    return Promise.resolve();
  }

  removeFile(path: string): Promise<void> {
    this.files.delete(path);
    return Promise.resolve();
  }

  listDir(path: string): Promise<string[]> {
    const prefix = path.endsWith('/') ? path : `${path}/`;
    const names = new Set<string>();
    for (const p of this.files.keys())
      if (p.startsWith(prefix)) names.add(p.slice(prefix.length).split('/')[0] ?? '');
    return Promise.resolve([...names].filter(Boolean).sort());
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}
