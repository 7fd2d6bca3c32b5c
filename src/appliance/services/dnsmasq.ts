/**
 * dnsmasq kept converged through a Transport. Steps: observe (main config, the two host folders, the
 * lease file, whether the daemon runs) → diff → when the main config differs, check the candidate
 * with `dnsmasq --test -C` before it replaces the live one → write changed host files, remove stale
 * ones → restart only when the main config changed (or the daemon is down), SIGHUP when only host
 * files changed (dnsmasq keeps removed or changed entries until a SIGHUP) → observe again.
 */
import type { Clock } from '../../core/clock.js';
import { PxrError, TerminalError } from '../../core/errors.js';
import { validateDesired } from '../desired.js';
import type { ApplianceDesired } from '../desired.js';
import { parseLeases, renderDnsmasq } from '../render/dnsmasq.js';
import type { DnsmasqFiles, DnsmasqLayout, Lease } from '../render/dnsmasq.js';
import type { Transport } from '../transport/types.js';
import { linesMissing } from './types.js';
import type { ApplianceService, DriftItem, ServiceReport } from './types.js';

export interface DnsmasqObserved {
  main: string | undefined;
  dhcpHosts: Map<string, string>;
  hosts: Map<string, string>;
  leases: Lease[];
  pid: number | undefined;
  running: boolean;
}

export interface DnsmasqServiceOptions {
  transport: Transport;
  layout: DnsmasqLayout;
  clock: Clock;
  /** @default 'dnsmasq' */
  dnsmasqBin?: string;
  /**
   * How to restart when the appliance runs dnsmasq under a supervisor (`['systemctl', 'restart',
   * 'pxr-dnsmasq']`). Absent: pxr runs it itself — TERM the pid in the pid file, then start
   * `dnsmasq -C <conf>`, which daemonizes and writes the pid file.
   */
  restartArgv?: string[];
  /** Bound on waiting for the old daemon to exit and the new one to write its pid. @default 5000 */
  settleTimeoutMs?: number;
}

export class DnsmasqService implements ApplianceService<DnsmasqObserved> {
  readonly name = 'dnsmasq' as const;
  private readonly t: Transport;
  private readonly layout: DnsmasqLayout;
  private readonly clock: Clock;
  private readonly bin: string;
  private readonly restartArgv: string[] | undefined;
  private readonly settleMs: number;

  constructor(opts: DnsmasqServiceOptions) {
    this.t = opts.transport;
    this.layout = opts.layout;
    this.clock = opts.clock;
    this.bin = opts.dnsmasqBin ?? 'dnsmasq';
    this.restartArgv = opts.restartArgv;
    this.settleMs = opts.settleTimeoutMs ?? 5000;
  }

  /**
   * Reads everything at once: every file is one command over the transport, and a LAN with many
   * members has many reservation files (the transport bounds how many run together).
   */
  async observe(): Promise<DnsmasqObserved> {
    const readDir = async (dir: string): Promise<Map<string, string>> => {
      // Dot files are in-flight temp files of an atomic write (dnsmasq ignores them too).
      const names = (await this.t.listDir(dir)).filter((n) => !n.startsWith('.'));
      const texts = await Promise.all(names.map((n) => this.t.readFile(`${dir}/${n}`)));
      const out = new Map<string, string>();
      names.forEach((n, i) => {
        const text = texts[i];
        if (text !== undefined) out.set(n, text);
      });
      return out;
    };
    const [pidText, main, dhcpHosts, hosts, leaseText] = await Promise.all([
      this.t.readFile(this.layout.pidFile),
      this.t.readFile(this.layout.confPath),
      readDir(this.layout.dhcpHostsDir),
      readDir(this.layout.hostsDir),
      this.t.readFile(this.layout.leaseFile),
    ]);
    const pid = pidText !== undefined && /^\s*\d+\s*$/.test(pidText) ? Number(pidText) : undefined;
    return {
      main,
      dhcpHosts,
      hosts,
      leases: parseLeases(leaseText ?? ''),
      pid,
      running: pid !== undefined && (await this.alive(pid)),
    };
  }

  diff(desired: ApplianceDesired, observed: DnsmasqObserved): DriftItem[] {
    return diffDnsmasq(renderDnsmasq(desired, this.layout), observed);
  }

  async apply(desired: ApplianceDesired, observed?: DnsmasqObserved): Promise<ServiceReport> {
    const issues = validateDesired(desired);
    if (issues.length > 0)
      throw new TerminalError('InvalidApplianceSpec', issues.join('; '), { context: { issues } });
    const files = renderDnsmasq(desired, this.layout);
    const before = observed ?? (await this.observe());
    const drift = diffDnsmasq(files, before);
    const actions: string[] = [];
    const mainChanged = before.main !== files.main;
    if (mainChanged) await this.checkAndWriteMain(files.main, actions);
    const hostsChanged = await this.syncDir(
      this.layout.dhcpHostsDir,
      files.dhcpHosts,
      before.dhcpHosts,
      actions,
    );
    const namesChanged = await this.syncDir(
      this.layout.hostsDir,
      files.hosts,
      before.hosts,
      actions,
    );
    if (mainChanged || !before.running)
      await this.restart(before.running ? before.pid : undefined, actions);
    else if (hostsChanged || namesChanged) await this.hup(before.pid, actions);
    const after = await this.observe();
    return {
      service: 'dnsmasq',
      drift,
      actions,
      remaining: diffDnsmasq(files, after),
      warnings: [],
    };
  }

  private async checkAndWriteMain(main: string, actions: string[]): Promise<void> {
    for (const dir of [this.layout.dhcpHostsDir, this.layout.hostsDir])
      await this.run(['mkdir', '-p', dir], 'DNSMASQ_MKDIR_FAILED');
    const candidate = `${this.layout.confPath}.pxr-check`;
    await this.t.writeFile(candidate, main);
    try {
      const r = await this.t.exec([this.bin, '--test', '-C', candidate]);
      if (r.code !== 0)
        throw new TerminalError(
          'ConfigRejected',
          `dnsmasq --test refused the rendered config: ${(r.stderr || r.stdout).trim()}`,
          {
            context: { service: 'dnsmasq', code: r.code },
          },
        );
    } finally {
      await this.t.removeFile(candidate);
    }
    await this.t.writeFile(this.layout.confPath, main);
    actions.push(`wrote ${this.layout.confPath}`);
  }

  /** Writes what differs and removes what should not be there; true when anything changed. */
  private async syncDir(
    dir: string,
    want: Map<string, string>,
    have: Map<string, string>,
    actions: string[],
  ): Promise<boolean> {
    let changed = false;
    for (const [name, text] of want)
      if (have.get(name) !== text) {
        await this.t.writeFile(`${dir}/${name}`, text);
        actions.push(`wrote ${dir}/${name}`);
        changed = true;
      }
    for (const name of have.keys())
      if (!want.has(name)) {
        await this.t.removeFile(`${dir}/${name}`);
        actions.push(`removed ${dir}/${name}`);
        changed = true;
      }
    return changed;
  }

  private async restart(pid: number | undefined, actions: string[]): Promise<void> {
    if (this.restartArgv) {
      await this.run(this.restartArgv, 'DNSMASQ_RESTART_FAILED');
      actions.push('restart');
      return;
    }
    if (pid !== undefined) {
      await this.t.exec(['kill', '-TERM', String(pid)]);
      await this.until('the old dnsmasq to exit', async () => !(await this.alive(pid)));
    }
    await this.run([this.bin, '-C', this.layout.confPath], 'DNSMASQ_START_FAILED');
    await this.until('dnsmasq to write its pid file', async () => {
      const p = Number((await this.t.readFile(this.layout.pidFile))?.trim());
      return Number.isInteger(p) && p > 0 && p !== pid && (await this.alive(p));
    });
    actions.push(pid === undefined ? 'start' : 'restart');
  }

  private async hup(pid: number | undefined, actions: string[]): Promise<void> {
    if (pid === undefined) return;
    await this.run(['kill', '-HUP', String(pid)], 'DNSMASQ_SIGNAL_FAILED');
    actions.push('SIGHUP');
  }

  /**
   * Whether `pid` is a live dnsmasq. Read from /proc rather than `kill -0`: a stale pid file whose pid
   * now belongs to another program must never get our SIGHUP, and an exited daemon not yet reaped
   * (state Z) is not running.
   */
  private async alive(pid: number): Promise<boolean> {
    const stat = await this.t.readFile(`/proc/${pid}/stat`);
    const m = stat === undefined ? null : /^\d+ \((.*)\) (\S)/.exec(stat);
    return m !== null && m[1] === 'dnsmasq' && m[2] !== 'Z';
  }

  private async run(argv: string[], code: string): Promise<void> {
    const r = await this.t.exec(argv);
    if (r.code !== 0)
      throw new PxrError(code, `${argv[0] ?? ''} failed (exit ${r.code}): ${r.stderr.trim()}`, {
        context: { service: 'dnsmasq', transport: this.t.description, exit: r.code },
      });
  }

  private async until(what: string, cond: () => Promise<boolean>): Promise<void> {
    const end = this.clock.now() + this.settleMs;
    while (!(await cond())) {
      if (this.clock.now() > end)
        throw new PxrError(
          'DNSMASQ_NOT_SETTLED',
          `timed out after ${this.settleMs} ms waiting for ${what}`,
          {
            context: { service: 'dnsmasq', transport: this.t.description },
          },
        );
      await this.clock.sleep(50);
    }
  }
}

function diffFolder(
  kind: 'dhcp-hosts' | 'hosts',
  want: Map<string, string>,
  have: Map<string, string>,
): DriftItem[] {
  const out: DriftItem[] = [];
  for (const name of new Set([...want.keys(), ...have.keys()]))
    if (want.get(name) !== have.get(name))
      out.push({
        service: 'dnsmasq',
        field: `dnsmasq.${kind}/${name}`,
        desired: want.get(name)?.trim(),
        actual: have.get(name)?.trim(),
      });
  return out.sort((a, b) => a.field.localeCompare(b.field));
}

/** Pure: what differs between the rendered files and what is on the appliance. */
export function diffDnsmasq(files: DnsmasqFiles, observed: DnsmasqObserved): DriftItem[] {
  const drift: DriftItem[] = [];
  if (observed.main !== files.main)
    drift.push({
      service: 'dnsmasq',
      field: 'dnsmasq.conf',
      // Only the lines that differ, so an edit by hand reads as what was changed.
      desired: linesMissing(files.main, observed.main),
      actual: observed.main === undefined ? undefined : linesMissing(observed.main, files.main),
    });
  drift.push(...diffFolder('dhcp-hosts', files.dhcpHosts, observed.dhcpHosts));
  drift.push(...diffFolder('hosts', files.hosts, observed.hosts));
  if (!observed.running)
    drift.push({ service: 'dnsmasq', field: 'dnsmasq.running', desired: 'true', actual: 'false' });
  return drift;
}
