/**
 * `pxr sim`: the simulator as a server. Prints the URL, the token and an example curl, and runs
 * until SIGINT/SIGTERM (or until `opts.signal` aborts, for tests).
 */
import { createSimulator } from './simulator.js';
import type { SimulatorOptions } from './simulator.js';
import { nodeFingerprint } from './cluster/info.js';

const USAGE = `usage: pxr sim [--listen HOST:PORT] [--nodes pve1,pve2] [--token 'root@pam!pxr=<uuid>']
               [--state FILE] [--latency-ms N] [--task-time-scale X] [--seed N] [--tls]
               [--auth-failure-delay-ms N] [--no-sdn-lock]

  --listen HOST:PORT    address to listen on (default 127.0.0.1:8006)
  --nodes a,b           node names (default pve)
  --token ID=SECRET     API token (default root@pam!pxr with a random secret)
  --state FILE          keep the simulated cluster in FILE across restarts
  --latency-ms N        add N ms to every API request
  --task-time-scale X   multiply task durations by X (default 1)
  --seed N              seed of the deterministic random source (default 1)
  --tls                 serve HTTPS with the node certificate, as pveproxy (fingerprint printed)
  --auth-failure-delay-ms N
                        delay of 401 answers (default 3000, as pveproxy)
  --no-sdn-lock         act like PVE 8: no /cluster/sdn/lock, no rollback, no lock-token
`;

interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

class UsageError extends Error {}

function parseArgs(argv: string[]): { opts: Partial<SimulatorOptions>; tls: boolean } {
  // pveproxy answers a failed authentication after 3 s; the server a user runs does the same.
  const opts: Partial<SimulatorOptions> = {
    host: '127.0.0.1',
    port: 8006,
    authFailureDelayMs: 3000,
  };
  let tls = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const inline = arg.startsWith('--') && eq > 0 ? arg.slice(eq + 1) : undefined;
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new UsageError(`${name} needs a value`);
      return v;
    };
    const number = (): number => {
      const v = Number(value());
      if (!Number.isFinite(v) || v < 0) throw new UsageError(`${name} needs a non-negative number`);
      return v;
    };
    switch (name) {
      case '--listen': {
        const m = /^(.*):(\d+)$/.exec(value());
        if (!m?.[1] || !m[2]) throw new UsageError('--listen needs HOST:PORT');
        opts.host = m[1].replace(/^\[(.*)\]$/, '$1');
        opts.port = Number(m[2]);
        break;
      }
      case '--nodes': {
        const nodes = value()
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== '');
        const bad = nodes.find((n) => !/^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$/.test(n));
        if (nodes.length === 0 || bad !== undefined) {
          throw new UsageError(`--nodes: invalid node name '${bad ?? ''}'`);
        }
        opts.nodes = nodes;
        break;
      }
      case '--token': {
        const m = /^([^\s!=]+@[^\s!=]+![^\s=]+)[= ](\S+)$/.exec(value());
        if (!m?.[1] || !m[2]) throw new UsageError("--token needs 'USER@REALM!ID=SECRET'");
        opts.tokenId = m[1];
        opts.tokenSecret = m[2];
        break;
      }
      case '--state':
        opts.statePath = value();
        break;
      case '--latency-ms':
        opts.latencyMs = number();
        break;
      case '--task-time-scale':
        opts.taskTimeScale = number();
        break;
      case '--seed':
        opts.seed = number();
        break;
      case '--auth-failure-delay-ms':
        opts.authFailureDelayMs = number();
        break;
      case '--tls':
        tls = true;
        break;
      case '--no-sdn-lock':
        // PVE 8: no /cluster/sdn/lock, no rollback, no lock-token
        opts.sdnLock = false;
        break;
      default:
        throw new UsageError(`unknown option '${arg}'`);
    }
  }
  return { opts, tls };
}

export async function runSimCommand(
  argv: string[],
  io: Io,
  control: { signal?: AbortSignal } = {},
): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout.write(USAGE);
    return 0;
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr.write(`pxr sim: ${err.message}\n${USAGE}`);
    return 2;
  }
  const { opts } = parsed;
  // Like pveproxy, serve the node's own certificate: the one certificates/info reports.
  if (parsed.tls) opts.tls = 'node';
  // No default secret here: without --token, a restarted `--state` simulator keeps its old one.
  const sim = createSimulator({
    ...opts,
    onError: (err) => {
      io.stderr.write(`pxr sim: ${err instanceof Error ? err.message : String(err)}\n`);
    },
  });
  let url: string;
  try {
    url = await sim.start();
  } catch (err) {
    io.stderr.write(`pxr sim: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  const auth = `PVEAPIToken=${sim.tokenId}=${sim.tokenSecret}`;
  const first = Object.values(sim.state.nodes)[0];
  const fingerprint = parsed.tls && first ? nodeFingerprint(first) : undefined;
  io.stdout.write(
    [
      `Proxmox VE simulator listening on ${url}/api2/json`,
      `nodes:        ${Object.keys(sim.state.nodes).join(', ')}`,
      `token id:     ${sim.tokenId}`,
      `token secret: ${sim.tokenSecret}`,
      ...(fingerprint ? [`TLS SHA-256 fingerprint: ${fingerprint}`] : []),
      ...(opts.statePath ? [`state file:   ${opts.statePath}`] : []),
      `example:      curl ${fingerprint ? '-k ' : ''}-H 'Authorization: ${auth}' ${url}/api2/json/version`,
      `control:      ${url}/_sim/faults, ${url}/_sim/requests, ${url}/_sim/state`,
      '',
    ].join('\n'),
  );
  await new Promise<void>((resolve) => {
    const done = (): void => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      control.signal?.removeEventListener('abort', done);
      resolve();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
    if (control.signal?.aborted) done();
    else control.signal?.addEventListener('abort', done, { once: true });
  });
  try {
    await sim.stop();
  } catch (err) {
    io.stderr.write(`pxr sim: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  io.stdout.write('simulator stopped\n');
  return 0;
}
