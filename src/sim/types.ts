/**
 * Contracts shared by every part of the Proxmox VE simulator. The server core (router, validation,
 * auth, tasks, faults) implements them; each endpoint group (network, lxc, firewall, certs,
 * cluster) contributes `EndpointDef`s and a slice of `SimState`.
 */
import type { Clock } from '../core/clock.js';
import type { SimState } from './state.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/**
 * One parameter, in the same vocabulary as the official schema (pve-api-schema JSON):
 * the conformance test compares these field by field with `../shared/pve-api`.
 */
export interface ParamDef {
  type: 'string' | 'integer' | 'number' | 'boolean' | 'array' | 'object' | 'null';
  optional?: boolean;
  enum?: readonly string[];
  /** A Proxmox format name (`pve-iface`, `pve-vmid`, `pve-node`, `ipv4`, `CIDRv4`, ...) or a property-string format id. */
  format?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  default?: unknown;
  /** For `array` parameters (rare on the wire: lists are usually strings). */
  items?: ParamDef;
  description?: string;
}

/** The authenticated caller of one request. */
export interface Caller {
  /** `root@pam` */
  user: string;
  /** `pxr` for token `root@pam!pxr`; undefined for ticket auth. */
  tokenId?: string;
  /** For UPIDs: `root@pam!pxr` for tokens, `root@pam` for tickets. */
  upidUser: string;
}

export interface RequestContext {
  method: HttpMethod;
  /** Route template, e.g. `/nodes/{node}/lxc/{vmid}/config`. */
  route: string;
  /** Validated and coerced parameters (path + query + body); booleans as 0|1, integers as numbers. */
  params: Record<string, unknown>;
  caller: Caller;
  sim: SimContext;
  /** The file part of a multipart upload (only `POST .../storage/{storage}/upload` gets one). */
  upload?: { tmpfilename: string; data: Buffer };
}

export interface EndpointDef {
  method: HttpMethod;
  /** Path template below `/api2/json`, with `{name}` segments, exactly as in the official schema. */
  path: string;
  /** Every parameter, including the path ones, as the official schema lists them. */
  params: Record<string, ParamDef>;
  /**
   * Whether undeclared parameters are accepted. Proxmox accepts indexed keys (`net0`..`net31`) where the
   * schema says `net[n]`; declare those with `indexed` below instead.
   */
  additionalProperties?: boolean;
  /** Indexed parameter families: `{ net: { max: 31, def } }` accepts `net0`..`net31`. */
  indexed?: Record<string, { max: number; def: ParamDef }>;
  /** `allowtoken: 0` endpoints answer 403 to API tokens. Default true. */
  allowToken?: boolean;
  /** Privilege check: ACL path (template over params) and privilege names (any of). */
  permission?: { path: string; privs: readonly string[] };
  /** The schema `returns.type`, used by the conformance test. */
  returns?: string;
  handler(ctx: RequestContext): unknown;
}

/** A task, as the endpoint groups start it. See FACTS §6. */
export interface TaskSpec {
  node: string;
  /** `vzcreate`, `vzstart`, `srvreload`, ... */
  type: string;
  /** `100`, `networking`, ... */
  id: string;
  caller: Caller;
  /** Simulated duration in ms on the sim clock (before the sim's time scale). */
  durationMs: number;
  /**
   * Runs when the task ends (after its duration). Throwing fails the task with the error's message as
   * exitstatus; returning `{ warnings: n }` ends with `WARNINGS: n`. `log` appends task log lines.
   */
  run(log: (line: string) => void): void | { warnings?: number };
  /**
   * What the worker logs as soon as it starts, so a running task's log is not empty (throwing fails
   * the task at once). `run` then logs the rest when the task's time is up.
   */
  begin?(log: (line: string) => void): void;
  /**
   * The guest whose config flock (`lock_config`) the worker holds for its whole run, as
   * pve-container's power workers do: config writes wait for it (see `waitConfigFlock`).
   */
  configFlock?: number;
  /** Called once the task has ended, whatever the result (e.g. to clear a `lock: create`). */
  finally?(ok: boolean): void;
}

export interface TaskApi {
  /** Starts a task and returns its UPID. */
  start(spec: TaskSpec): string;
  /** Runs every task whose end time has passed on the clock. Called before each request. */
  settle(): void;
  /** Stops a running task (`DELETE .../tasks/{upid}`): it ends as `interrupted by signal`. */
  stop(upid: string): boolean;
}

/** Everything a handler may touch. */
export interface SimContext {
  state: SimState;
  clock: Clock;
  tasks: TaskApi;
  /** Deterministic random source for the simulation (MAC addresses, DHCP leases, ...). */
  random(): number;
  /** Throws the 500 `hostname lookup` error for an unknown node, returns the node state otherwise. */
  node(name: string): SimState['nodes'][string];
  /** Marks state as changed (for `--state FILE` persistence). */
  touch(): void;
  /** Injected faults that handlers consult (tests switch them on through the simulator). */
  faults: HandlerFaults;
}

/** The faults a handler asks about itself (the server core applies the others). */
export interface HandlerFaults {
  /**
   * True while another worker is simulated to hold the config flock of this guest: the lxc
   * handlers then fail with `can't lock file '/run/lock/lxc/pve-config-100.lock' - got timeout`.
   */
  lockContention(vmid: number | string): boolean;
}

/**
 * A handler result with extra top-level keys next to `data` (`total` on lists, `changes` on the
 * network index): `return withAttribs(list, { total: n })`.
 */
export class ResultWithAttribs {
  readonly data: unknown;
  readonly attribs: Record<string, unknown>;
  constructor(data: unknown, attribs: Record<string, unknown>) {
    this.data = data;
    this.attribs = attribs;
  }
}

export function withAttribs(data: unknown, attribs: Record<string, unknown>): ResultWithAttribs {
  return new ResultWithAttribs(data, attribs);
}

/**
 * An error with Proxmox's status and message. `errors` (per parameter) turn it into the
 * `400 Parameter verification failed.` shape.
 */
export class PveError extends Error {
  readonly status: number;
  readonly errors: Record<string, string> | undefined;
  constructor(status: number, message: string, errors?: Record<string, string>) {
    super(message);
    this.name = 'PveError';
    this.status = status;
    this.errors = errors;
  }
}

/** `die "msg\n"` in a Proxmox handler: HTTP 500 with that message. */
export function die(message: string): never {
  throw new PveError(500, message.endsWith('\n') ? message : `${message}\n`);
}

/** `raise_param_exc({ field: text })`: HTTP 400 `Parameter verification failed.` */
export function paramError(errors: Record<string, string>): never {
  throw new PveError(400, 'Parameter verification failed.\n', errors);
}
