/**
 * Simulator throughput: `GET /nodes/pve/lxc/{vmid}/config` over HTTP keep-alive, 32 concurrent
 * requests for 3 s, against 1,000 containers seeded straight into state. The simulator runs in a
 * child process so its CPU time is measured apart from the load generator's: "per second on one
 * core" is requests divided by the server's CPU seconds.
 */
import { fork } from 'node:child_process';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Row } from './table.js';

const CONTAINERS = 1000;
const CONCURRENCY = 32;
const DURATION_MS = 3000;
const TARGET_RPS = 5000;
const SERVER_FLAG = '--sim-throughput-server';

interface Ready {
  port: number;
  auth: string;
}
interface Cpu {
  cpuMs: number;
}

/** The child: a simulator with 1,000 containers; reports its port and, on request, its CPU time. */
async function serve(): Promise<void> {
  const { createSimulator } = await import('../src/sim/simulator.js');
  const sim = createSimulator({ tokenSecret: '5f0c6a4e-3b1d-4c2a-9e8f-7a6b5c4d3e2f' });
  await sim.init();
  const node = sim.state.nodes.pve;
  if (!node) throw new Error('seed has no node pve');
  for (let i = 0; i < CONTAINERS; i++) {
    const vmid = 100 + i;
    const mac =
      `BC:24:11:${((i >> 16) & 255).toString(16).padStart(2, '0')}:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`.toUpperCase();
    node.lxc[String(vmid)] = {
      vmid,
      config: {
        arch: 'amd64',
        cores: 2,
        hostname: `app-${vmid}`,
        memory: 1024,
        net0: `name=eth0,bridge=vmbr0,firewall=1,hwaddr=${mac},ip=dhcp,type=veth`,
        onboot: 1,
        ostype: 'debian',
        rootfs: `local-lvm:vm-${vmid}-disk-0,size=8G`,
        swap: 512,
        tags: 'bench;pxr',
        unprivileged: 1,
      },
      pending: {},
      pendingDelete: [],
      status: 'running',
      startedAt: sim.clock.now(),
      pid: 10_000 + i,
    };
  }
  await sim.start();
  const send = (m: unknown): void => {
    process.send?.(m);
  };
  const cpuMs = (): number => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  process.on('message', (m: unknown) => {
    if (m === 'cpu') send({ cpuMs: cpuMs() } satisfies Cpu);
    if (m === 'stop') void sim.stop().then(() => process.exit(0));
  });
  send({ port: sim.port, auth: `PVEAPIToken=${sim.tokenId}=${sim.tokenSecret}` } satisfies Ready);
}

/**
 * One keep-alive connection sending requests one after the other. A raw socket with a minimal
 * response parser keeps the load generator cheap, so the machine's cores go to the server.
 */
class Conn {
  private buf: Buffer = Buffer.alloc(0);
  private waiting: ((status: number) => void) | undefined;
  private failing: ((err: Error) => void) | undefined;
  private readonly sock: Socket;

  constructor(port: number) {
    this.sock = connect(port, '127.0.0.1');
    this.sock.setNoDelay(true);
    this.sock.on('data', (d: Buffer) => {
      this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
      this.parse();
    });
    // One listener for the connection's life (not one per request): fails the request in flight.
    this.sock.on('error', (err) => this.failing?.(err));
  }

  private parse(): void {
    const end = this.buf.indexOf('\r\n\r\n');
    if (end < 0) return;
    const head = this.buf.toString('latin1', 0, end);
    const len = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
    if (this.buf.length < end + 4 + len) return;
    this.buf = this.buf.subarray(end + 4 + len);
    const status = Number(head.slice(9, 12));
    const w = this.waiting;
    this.waiting = undefined;
    w?.(status);
  }

  get(path: string, auth: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.waiting = resolve;
      this.failing = reject;
      this.sock.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${auth}\r\n\r\n`);
    });
  }

  close(): void {
    this.sock.destroy();
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;
}

export async function benchSimThroughput(): Promise<Row[]> {
  const child = fork(fileURLToPath(import.meta.url), [SERVER_FLAG], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = <T>(): Promise<T> =>
    new Promise((resolve, reject) => {
      child.once('message', (m) => resolve(m as T));
      child.once('exit', (code) => reject(new Error(`simulator process exited (${code})`)));
    });
  try {
    const { port, auth } = await next<Ready>();
    const conns = Array.from({ length: CONCURRENCY }, () => new Conn(port));
    // Warm-up: JIT and connections.
    for (let i = 0; i < 2000; i++) {
      await conns[i % CONCURRENCY]!.get(
        `/api2/json/nodes/pve/lxc/${100 + (i % CONTAINERS)}/config`,
        auth,
      );
    }
    child.send('cpu');
    const cpu0 = (await next<Cpu>()).cpuMs;
    const latencies: number[] = [];
    let errors = 0;
    let n = 0;
    const started = performance.now();
    const deadline = started + DURATION_MS;
    const worker = async (conn: Conn): Promise<void> => {
      while (performance.now() < deadline) {
        const vmid = 100 + (n++ % CONTAINERS);
        const t0 = performance.now();
        const status = await conn.get(`/api2/json/nodes/pve/lxc/${vmid}/config`, auth);
        latencies.push(performance.now() - t0);
        if (status !== 200) errors++;
      }
    };
    await Promise.all(conns.map(worker));
    const elapsedS = (performance.now() - started) / 1000;
    child.send('cpu');
    const serverCpuS = ((await next<Cpu>()).cpuMs - cpu0) / 1000;
    for (const c of conns) c.close();
    latencies.sort((a, b) => a - b);
    const total = latencies.length;
    const perCore = serverCpuS > 0 ? total / serverCpuS : 0;
    return [
      { name: 'requests', value: total, unit: 'req' },
      { name: 'errors (non-200)', value: errors, unit: 'req', target: '0', ok: errors === 0 },
      { name: 'wall-clock throughput', value: Math.round(total / elapsedS), unit: 'req/s' },
      {
        name: 'throughput per server CPU core',
        value: Math.round(perCore),
        unit: 'req/s',
        target: `>= ${TARGET_RPS}`,
        ok: perCore >= TARGET_RPS,
      },
      { name: 'server CPU use', value: Math.round((serverCpuS / elapsedS) * 100), unit: '%' },
      { name: 'latency p50', value: percentile(latencies, 50), unit: 'ms' },
      { name: 'latency p99', value: percentile(latencies, 99), unit: 'ms' },
    ];
  } finally {
    child.send('stop');
    await new Promise<void>((resolve) => {
      if (child.exitCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
  }
}

if (process.argv.includes(SERVER_FLAG)) {
  serve().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
