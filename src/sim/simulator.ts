/**
 * The simulator object: state, clock, tasks, faults and the HTTP server around them. Used in-process
 * (`createSimulator(...)`, `await sim.start()`) by tests and `pxr run --sim`, and by `pxr sim`.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer, Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../core/clock.js';
import { systemClock } from '../core/clock.js';
import { PxrError } from '../core/errors.js';
import type { SimState } from './state.js';
import type { EndpointDef, SimContext, TaskApi } from './types.js';
import { die } from './types.js';
import { endpoints } from './endpoints.js';
import { withoutSdnLock } from './sdn/endpoints.js';
import { Router } from './router.js';
import { TaskManager } from './tasks.js';
import { Faults } from './faults.js';
import { RequestLog } from './request-log.js';
import { createRng } from './rng.js';
import { seedCertsInto, seedState } from './seed.js';
import { loadStateFile, StatePersister } from './persist.js';
import { handleApi, hostnameLookupError } from './server.js';
import { handleControl } from './control.js';
import type { ControlTarget } from './control.js';
import { sendBare } from './wire.js';
import { createCsrfToken, createTicket, verifyTicket } from './auth.js';
import { bindTicketIssuer } from './cluster/access.js';
import { bindProxyRestart } from './certs/endpoints.js';

export interface SimulatorOptions {
  /** Node names. @default ['pve'] */
  nodes: string[];
  /** @default 'pxr-sim' */
  clusterName: string;
  /** API token id. @default 'root@pam!pxr' */
  tokenId: string;
  /** API token secret (a lowercase UUID for proxmox-api). @default a random UUID */
  tokenSecret: string;
  /** Privileges of the token; `*` = all. @default ['*'] */
  tokenPrivs: string[];
  /** Users for ticket login: userid -> password. @default { 'root@pam': 'pxr-sim' } */
  users: Record<string, string>;
  /** @default systemClock */
  clock: Clock;
  /** Seed of the deterministic random source. @default 1 */
  seed: number;
  /** Multiplies every task duration; tests use e.g. 0.01. @default 1 */
  taskTimeScale: number;
  /** Latency added to every API request, in ms on the clock. @default 0 */
  latencyMs: number;
  /** Delay of 401 answers (pveproxy waits 3000 ms). @default 0 */
  authFailureDelayMs: number;
  /** Persist the cluster in this file (`--state FILE`). */
  statePath?: string;
  /** Load `statePath` but never write it (`pxr diff --sim` beside a running `pxr run --sim`). */
  stateReadOnly?: boolean;
  /** @default 250 */
  persistDebounceMs: number;
  /**
   * HTTPS with this certificate (PEM), or `'node'`: the first node's certificate as pveproxy picks
   * it (pveproxy-ssl.pem when uploaded, else pve-ssl.pem), re-read when a certificate upload or
   * delete passes `restart=1`, so what `certificates/info` reports is what the TLS client sees.
   */
  tls?: { cert: string; key: string } | 'node' | undefined;
  /** @default '127.0.0.1' */
  host: string;
  /** 0 = any free port. @default 0 */
  port: number;
  /**
   * Endpoints added to the standard table (tests of the core use them to exercise tasks and
   * privileges without depending on an endpoint group).
   */
  extraEndpoints?: readonly EndpointDef[];
  /**
   * The PVE 9 SDN lock (`/cluster/sdn/lock`, `/cluster/sdn/rollback`, the `lock-token` parameter).
   * `false` acts like PVE 8, which has none of them. @default true
   */
  sdnLock?: boolean;
  /** Called with background errors (state file writes). @default writes them to stderr */
  onError?: (err: unknown) => void;
}

export interface Simulator extends ControlTarget {
  /** The live state (replaced by restore/reset: read it through this getter each time). */
  readonly state: SimState;
  readonly clock: Clock;
  readonly tokenId: string;
  readonly tokenSecret: string;
  readonly faults: Faults;
  readonly requests: RequestLog;
  readonly tasks: TaskApi;
  /** What handlers receive; tests may call handlers' helpers with it. */
  readonly context: SimContext;
  /** `http(s)://host:port` once started. */
  readonly url: string;
  /** `${url}/api2/json` */
  readonly apiUrl: string;
  readonly port: number;
  /** Loads the state file (or seeds) and generates certificates; `start()` calls it. */
  init(): Promise<void>;
  start(): Promise<string>;
  stop(): Promise<void>;
  /** Completes due tasks now (also happens before every request and on task timers). */
  settle(): void;
  /** Writes the state file now (when `statePath` is set). */
  flush(): Promise<void>;
  /** The node:http request listener, to mount the simulator elsewhere. */
  readonly listener: (req: IncomingMessage, res: ServerResponse) => void;
}

export function defaultSimulatorOptions(): SimulatorOptions {
  return {
    nodes: ['pve'],
    clusterName: 'pxr-sim',
    tokenId: 'root@pam!pxr',
    tokenSecret: randomUUID(),
    tokenPrivs: ['*'],
    users: { 'root@pam': 'pxr-sim' },
    clock: systemClock,
    seed: 1,
    taskTimeScale: 1,
    latencyMs: 0,
    authFailureDelayMs: 0,
    persistDebounceMs: 250,
    host: '127.0.0.1',
    port: 0,
  };
}

class SimulatorImpl implements Simulator {
  private current: SimState;
  private readonly opts: SimulatorOptions;
  readonly clock: Clock;
  readonly faults: Faults;
  readonly requests = new RequestLog();
  readonly tasks: TaskManager;
  readonly context: SimContext;
  private readonly router: Router;
  private readonly ticketKey = randomBytes(32);
  private readonly persister: StatePersister | undefined;
  private server: Server | undefined;
  private initialized: Promise<void> | undefined;
  private baseUrl: string | undefined;
  readonly listener: (req: IncomingMessage, res: ServerResponse) => void;

  constructor(
    opts: SimulatorOptions,
    private readonly tokenExplicit: boolean,
  ) {
    this.opts = opts;
    this.clock = opts.clock;
    const table = opts.sdnLock === false ? withoutSdnLock(endpoints) : endpoints;
    this.router = new Router([...table, ...(opts.extraEndpoints ?? [])]);
    this.current = this.freshState();
    const rng = createRng(
      () => this.current.rng,
      (v) => {
        this.current.rng = v;
      },
    );
    this.faults = new Faults(() => rng.next());
    const onError =
      opts.onError ??
      ((err: unknown): void => {
        process.stderr.write(`pxr sim: ${err instanceof Error ? err.message : String(err)}\n`);
      });
    this.persister =
      opts.statePath && !opts.stateReadOnly
        ? new StatePersister(
            opts.statePath,
            () => this.current,
            this.clock,
            opts.persistDebounceMs,
            onError,
          )
        : undefined;
    const touch = (): void => this.persister?.touch();
    this.tasks = new TaskManager({
      state: () => this.current,
      clock: this.clock,
      timeScale: opts.taskTimeScale,
      forcedFailure: (type, id) => this.faults.taskFailureFor(type, id),
      touch,
    });
    const currentState = (): SimState => this.current;
    this.context = {
      get state(): SimState {
        return currentState();
      },
      clock: this.clock,
      tasks: this.tasks,
      random: () => rng.next(),
      node: (name: string) => {
        const n = currentState().nodes[name];
        if (!n) throw hostnameLookupError(name);
        return n;
      },
      touch,
      faults: this.faults,
    };
    bindTicketIssuer(this.context, {
      issue: (user) => ({
        ticket: createTicket(this.ticketKey, user, this.clock.now()),
        csrf: createCsrfToken(this.ticketKey, user, this.clock.now()),
      }),
      verify: (ticket) => verifyTicket(this.ticketKey, ticket, this.clock.now()),
    });
    bindProxyRestart(this.context, (node) => this.restartProxy(node));
    const core = {
      state: () => this.current,
      clock: this.clock,
      router: this.router,
      tasks: this.tasks,
      faults: this.faults,
      requests: this.requests,
      ctx: this.context,
      ticketKey: this.ticketKey,
      authFailureDelayMs: opts.authFailureDelayMs,
      latencyMs: opts.latencyMs,
    };
    this.listener = (req, res) => {
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const pathname = q < 0 ? url : url.slice(0, q);
      const query = q < 0 ? '' : url.slice(q + 1);
      let done: Promise<void>;
      if (pathname === '/api2/json' || pathname.startsWith('/api2/json/')) {
        done = handleApi(core, req, res, pathname, query);
      } else if (pathname.startsWith('/_sim/')) {
        done = handleControl(this, req, res, pathname, query);
      } else {
        req.resume();
        sendBare(res, 404, 'Not Found');
        return;
      }
      done.catch((err: unknown) => {
        // handleApi/handleControl answer every error themselves; reaching here is a bug.
        if (!res.headersSent) sendBare(res, 500, 'internal simulator error');
        onError(err);
      });
    };
  }

  private freshState(): SimState {
    const o = this.opts;
    return seedState({
      nodes: o.nodes,
      clusterName: o.clusterName,
      tokens: { [o.tokenId]: { secret: o.tokenSecret, privs: [...o.tokenPrivs] } },
      users: Object.fromEntries(Object.entries(o.users).map(([u, p]) => [u, { password: p }])),
      nowMs: this.clock.now(),
      rngSeed: o.seed,
    });
  }

  get state(): SimState {
    return this.current;
  }
  get tokenId(): string {
    return this.opts.tokenId;
  }
  get tokenSecret(): string {
    return this.opts.tokenSecret;
  }
  get url(): string {
    if (!this.baseUrl) throw new PxrError('SIM_NOT_STARTED', 'the simulator is not started');
    return this.baseUrl;
  }
  get apiUrl(): string {
    return `${this.url}/api2/json`;
  }
  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? 0;
  }

  init(): Promise<void> {
    this.initialized ??= (async () => {
      if (this.opts.statePath) {
        const loaded = await loadStateFile(this.opts.statePath);
        if (loaded) {
          this.current = loaded;
          this.adoptToken(loaded);
          this.tasks.reload();
        }
      }
      await seedCertsInto(this.current, this.clock.now());
      this.persister?.touch();
    })();
    return this.initialized;
  }

  /**
   * A restarted `pxr sim --state FILE` keeps its token secret unless one is given explicitly;
   * an explicit token is (re)installed so the printed credentials always work.
   */
  private adoptToken(loaded: SimState): void {
    const persisted = loaded.tokens[this.opts.tokenId];
    if (persisted && !this.tokenExplicit) {
      this.opts.tokenSecret = persisted.secret;
    } else {
      loaded.tokens[this.opts.tokenId] = {
        secret: this.opts.tokenSecret,
        privs: [...this.opts.tokenPrivs],
      };
    }
  }

  async start(): Promise<string> {
    if (this.server) return this.url;
    await this.init();
    const creds = this.tlsCredentials();
    const server = creds
      ? createHttpsServer(creds, this.listener)
      : createHttpServer(this.listener);
    // pveproxy keeps connections alive for 100 requests; we simply keep them.
    server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port, this.opts.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    const port = (server.address() as AddressInfo).port;
    const host = this.opts.host.includes(':') ? `[${this.opts.host}]` : this.opts.host;
    this.baseUrl = `${creds ? 'https' : 'http'}://${host}:${port}`;
    return this.baseUrl;
  }

  /** The first node: the one whose pveproxy this simulator is. */
  private localNode(): string | undefined {
    return Object.keys(this.current.nodes)[0];
  }

  /** pve-manager PVE/Service/pveproxy.pm: pveproxy-ssl.pem + key when present, else pve-ssl.pem. */
  private tlsCredentials(): { cert: string; key: string } | undefined {
    const tls = this.opts.tls;
    if (tls !== 'node') return tls;
    const node = this.current.nodes[this.localNode() ?? ''];
    if (!node) die('no node to take the TLS certificate from');
    const custom = node.certs.custom;
    return custom && custom.key !== '' ? { ...custom } : { ...node.certs.ssl };
  }

  /** `systemctl reload-or-restart pveproxy`: new connections get the current certificate. */
  private restartProxy(node: string): void {
    if (this.opts.tls !== 'node' || node !== this.localNode()) return;
    const creds = this.tlsCredentials();
    const server = this.server;
    if (creds && server instanceof HttpsServer) server.setSecureContext(creds);
  }

  async stop(): Promise<void> {
    this.tasks.dispose();
    const server = this.server;
    this.server = undefined;
    if (server) {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    }
    await this.flush();
  }

  settle(): void {
    this.tasks.settle();
  }

  async flush(): Promise<void> {
    await this.persister?.flush();
  }

  snapshot(): SimState {
    return structuredClone(this.current);
  }

  restore(state: SimState): void {
    if (state.version !== 1) die(`unsupported simulator state version ${String(state.version)}`);
    this.current = structuredClone(state);
    this.tasks.reload();
    this.persister?.touch();
  }

  reset(): void {
    const old = this.current;
    this.current = this.freshState();
    // Keep the generated certificates: regenerating them is slow and they are not test state.
    for (const [name, node] of Object.entries(this.current.nodes)) {
      const prev = old.nodes[name];
      if (prev) node.certs = prev.certs;
    }
    this.tasks.reload();
    this.faults.clear();
    this.requests.clear();
    this.persister?.touch();
  }

  setNodeUnreachable(node: string, unreachable: boolean, status: 595 | 596 = 595): void {
    const n = this.current.nodes[node];
    if (!n) die(`no such node '${node}'`);
    n.unreachable = unreachable;
    if (unreachable && status === 596) n.proxyStatus = 596;
    else delete n.proxyStatus;
    this.persister?.touch();
  }
}

/** Builds a simulator; call `start()` to serve HTTP (or `init()` for in-process use only). */
export function createSimulator(opts: Partial<SimulatorOptions> = {}): Simulator {
  const defined = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined));
  return new SimulatorImpl(
    { ...defaultSimulatorOptions(), ...defined },
    opts.tokenSecret !== undefined,
  );
}
