/**
 * Settings for `pxr run` and the read-only commands. Each has a flag, an environment variable and a
 * `pxr.yaml` key, in that order of precedence. Resolution is pure (flags, env and file text in, a
 * config or one clear error out) so it is tested without touching the process.
 */
import { parse as parseYaml } from 'yaml';
import { DEFAULT_RESYNC_MS } from '../core/resync.js';
import { parseDuration } from './duration.js';

export interface PxrConfig {
  manifests: string;
  db: string;
  listen: { host: string; port: number };
  resyncMs: number;
  sim: boolean;
  pve?: {
    url: string;
    tokenId: string;
    /** Never logged. */
    tokenSecret: string;
    caFile?: string;
    fingerprint?: string;
    insecure: boolean;
  };
  logLevel: string;
  pretty: boolean;
  maxPruneRatio: number;
  /** Concurrent Proxmox API calls across all controllers. */
  pveConcurrency: number;
  /** Settings that work but are probably not what was meant (plain http with a token, ...). */
  warnings: string[];
}

interface Setting {
  key: keyof RawSettings;
  flag: string;
  env: string;
  yaml: string;
  /** One line for `pxr run --help`. */
  help: string;
}

export interface RawSettings {
  manifests?: string;
  db?: string;
  listen?: string;
  resync?: string;
  pveUrl?: string;
  pveTokenId?: string;
  pveTokenSecretFile?: string;
  pveTokenSecret?: string;
  pveCaFile?: string;
  pveFingerprint?: string;
  pveInsecure?: string;
  logLevel?: string;
  maxPruneRatio?: string;
  pveConcurrency?: string;
}

/** The table every layer (flags, env, file, docs) is generated from. */
export const SETTINGS: readonly Setting[] = [
  {
    key: 'manifests',
    flag: 'manifests',
    env: 'PXR_MANIFESTS',
    yaml: 'manifests',
    help: 'folder of YAML manifests to watch (default ./manifests)',
  },
  {
    key: 'db',
    flag: 'db',
    env: 'PXR_DB',
    yaml: 'db',
    help: 'SQLite database; one pxr run per database (default ./data/pxr.db)',
  },
  {
    key: 'listen',
    flag: 'listen',
    env: 'PXR_LISTEN',
    yaml: 'listen',
    help: 'HOST:PORT of /healthz, /readyz, /metrics (default 127.0.0.1:9464)',
  },
  {
    key: 'resync',
    flag: 'resync',
    env: 'PXR_RESYNC',
    yaml: 'resync',
    help: 'how often each object is checked against Proxmox (default 30s)',
  },
  {
    key: 'pveUrl',
    flag: 'pve-url',
    env: 'PXR_PVE_URL',
    yaml: 'pve.url',
    help: 'Proxmox API, e.g. https://pve1.lan:8006',
  },
  {
    key: 'pveTokenId',
    flag: 'pve-token-id',
    env: 'PXR_PVE_TOKEN_ID',
    yaml: 'pve.tokenId',
    help: 'API token id USER@REALM!TOKENID (the secret goes in a file)',
  },
  {
    key: 'pveTokenSecretFile',
    flag: 'pve-token-secret-file',
    env: 'PXR_PVE_TOKEN_SECRET_FILE',
    yaml: 'pve.tokenSecretFile',
    help: 'file holding the token secret (a UUID), mode 600',
  },
  {
    key: 'pveTokenSecret',
    flag: '',
    env: 'PXR_PVE_TOKEN_SECRET',
    yaml: '',
    help: 'the token secret itself (environment only)',
  },
  {
    key: 'pveCaFile',
    flag: 'pve-ca-file',
    env: 'PXR_PVE_CA_FILE',
    yaml: 'pve.caFile',
    help: 'PEM CA that signed the Proxmox certificate',
  },
  {
    key: 'pveFingerprint',
    flag: 'pve-fingerprint',
    env: 'PXR_PVE_FINGERPRINT',
    yaml: 'pve.fingerprint',
    help: 'pin the Proxmox certificate by SHA-256 fingerprint (AB:CD:...)',
  },
  {
    key: 'pveInsecure',
    flag: 'pve-insecure',
    env: 'PXR_PVE_INSECURE',
    yaml: 'pve.insecure',
    help: 'accept any certificate (testing only)',
  },
  {
    key: 'logLevel',
    flag: 'log-level',
    env: 'PXR_LOG_LEVEL',
    yaml: 'logLevel',
    help: 'fatal, error, warn, info, debug or trace (default info)',
  },
  {
    key: 'maxPruneRatio',
    flag: 'max-prune-ratio',
    env: 'PXR_MAX_PRUNE_RATIO',
    yaml: 'maxPruneRatio',
    help: 'refuse to delete more than this share of objects at once (default 0.5)',
  },
  {
    key: 'pveConcurrency',
    flag: 'pve-concurrency',
    env: 'PXR_PVE_CONCURRENCY',
    yaml: 'pve.concurrency',
    help: 'concurrent Proxmox API calls (default 8)',
  },
];

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

function fromYaml(text: string, file: string): RawSettings {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new ConfigError(`${file}: not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc))
    throw new ConfigError(`${file}: must be a mapping`);
  const out: RawSettings = {};
  const known = new Set(SETTINGS.filter((s) => s.yaml).map((s) => s.yaml.split('.')[0]));
  known.add('alerts'); // a section of its own (alerts-config.ts)
  for (const k of Object.keys(doc)) {
    if (!known.has(k)) throw new ConfigError(`${file}: unknown key '${k}'`);
  }
  for (const s of SETTINGS) {
    if (!s.yaml) continue;
    let v: unknown = doc;
    for (const part of s.yaml.split('.')) {
      v = v && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined;
    }
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean')
      throw new ConfigError(`${file}: '${s.yaml}' must be a scalar`);
    out[s.key] = String(v);
  }
  return out;
}

function parseListen(v: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(v);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535)
    throw new ConfigError(`--listen: '${v}' is not HOST:PORT (e.g. 127.0.0.1:9464)`);
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port };
}

function parseBool(name: string, v: string | undefined): boolean {
  if (v === undefined || v === '') return false;
  if (/^(1|true|yes|on)$/i.test(v)) return true;
  if (/^(0|false|no|off)$/i.test(v)) return false;
  throw new ConfigError(`${name}: '${v}' is not a boolean (true/false)`);
}

/** Why a secret file could not be read: the errno code, never the file's content. */
function secretReadError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOTREG' ? 'not a regular file' : (code ?? 'error');
}

export interface ResolveInput {
  flags: RawSettings & { sim?: boolean; pretty?: boolean };
  env: Record<string, string | undefined>;
  /** Text of pxr.yaml (or the file given with --config), if any. */
  file?: { path: string; text: string } | undefined;
  /** Reads a secret file; injected for tests. */
  readFile(path: string): string;
  /** The permission bits of a secret file (for the "readable by others" warning); injected for tests. */
  fileMode?(path: string): number | undefined;
  /** Whether the Proxmox connection is needed (run without --sim). */
  needPve: boolean;
}

export function resolveConfig(input: ResolveInput): PxrConfig {
  const fileSettings = input.file ? fromYaml(input.file.text, input.file.path) : {};
  const raw: RawSettings = {};
  for (const s of SETTINGS) {
    const v = input.flags[s.key] ?? (s.env ? input.env[s.env] : undefined) ?? fileSettings[s.key];
    if (v !== undefined && v !== '') raw[s.key] = v;
  }
  let resyncMs = DEFAULT_RESYNC_MS;
  if (raw.resync !== undefined) {
    const d = parseDuration(raw.resync);
    if (d === undefined || d < 1000)
      throw new ConfigError(
        `--resync: '${raw.resync}' is not a duration of at least 1s (e.g. 15s, 2m)`,
      );
    resyncMs = d;
  }
  const ratio = raw.maxPruneRatio === undefined ? 0.5 : Number(raw.maxPruneRatio);
  if (!(ratio >= 0 && ratio <= 1))
    throw new ConfigError(
      `--max-prune-ratio: '${raw.maxPruneRatio}' must be a number between 0 and 1`,
    );
  const conc = raw.pveConcurrency === undefined ? 8 : Number(raw.pveConcurrency);
  if (!Number.isInteger(conc) || conc < 1 || conc > 256)
    throw new ConfigError(
      `--pve-concurrency: '${raw.pveConcurrency}' must be an integer from 1 to 256`,
    );
  const levels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
  const logLevel = raw.logLevel ?? 'info';
  if (!levels.includes(logLevel))
    throw new ConfigError(`--log-level: '${logLevel}' must be one of ${levels.join(', ')}`);

  const cfg: PxrConfig = {
    manifests: raw.manifests ?? './manifests',
    db: raw.db ?? './data/pxr.db',
    listen: parseListen(raw.listen ?? '127.0.0.1:9464'),
    resyncMs,
    sim: input.flags.sim === true,
    logLevel,
    pretty: input.flags.pretty === true,
    maxPruneRatio: ratio,
    pveConcurrency: conc,
    warnings: [],
  };
  if (!input.needPve || cfg.sim) return cfg;

  if (!raw.pveUrl) throw new ConfigError('--pve-url (PXR_PVE_URL) is required, or use --sim');
  let url: URL;
  try {
    url = new URL(raw.pveUrl);
  } catch {
    throw new ConfigError(`--pve-url: '${raw.pveUrl}' is not a URL (e.g. https://pve1.lan:8006)`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new ConfigError(`--pve-url: '${raw.pveUrl}' must be http:// or https://`);
  if (!raw.pveTokenId) throw new ConfigError('--pve-token-id (PXR_PVE_TOKEN_ID) is required');
  // `ID=SECRET` is the form Proxmox shows once; the secret half must never be echoed back.
  if (raw.pveTokenId.includes('='))
    throw new ConfigError(
      `--pve-token-id: '${raw.pveTokenId.slice(0, raw.pveTokenId.indexOf('='))}=…' contains '=': give only USER@REALM!TOKENID here and put the secret in --pve-token-secret-file (the value after '=' is not shown)`,
    );
  if (!/^[^@!\s]+@[^@!\s]+![A-Za-z][A-Za-z0-9._-]*$/.test(raw.pveTokenId))
    throw new ConfigError(
      `--pve-token-id: '${raw.pveTokenId}' must look like USER@REALM!TOKENID (e.g. pxr@pve!ctl)`,
    );
  let secret = raw.pveTokenSecret;
  if (raw.pveTokenSecretFile) {
    try {
      secret = input.readFile(raw.pveTokenSecretFile).trim();
    } catch (err) {
      throw new ConfigError(
        `--pve-token-secret-file: cannot read '${raw.pveTokenSecretFile}': ${secretReadError(err)}`,
      );
    }
    const mode = input.fileMode?.(raw.pveTokenSecretFile);
    // Warned, not refused: Docker and Kubernetes secrets are often mounted 0444 or 0644.
    if (mode !== undefined && (mode & 0o077) !== 0)
      cfg.warnings.push(
        `--pve-token-secret-file: '${raw.pveTokenSecretFile}' is readable by group or others (mode ${(mode & 0o777).toString(8).padStart(4, '0')}); run chmod 600 on it`,
      );
  }
  if (!secret)
    throw new ConfigError(
      '--pve-token-secret-file (PXR_PVE_TOKEN_SECRET_FILE) or PXR_PVE_TOKEN_SECRET is required',
    );
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(secret))
    throw new ConfigError('the API token secret is not a lower-case UUID (the value is not shown)');
  const insecure = parseBool('--pve-insecure', raw.pveInsecure);
  const fingerprint = raw.pveFingerprint?.toUpperCase();
  if (fingerprint !== undefined && !/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/.test(fingerprint))
    throw new ConfigError(
      `--pve-fingerprint: '${raw.pveFingerprint}' is not a SHA-256 fingerprint (32 hex pairs separated by ':')`,
    );
  if (url.protocol === 'http:') {
    cfg.warnings.push(
      `--pve-url: '${url.origin}' is plain http: the API token crosses the network unencrypted; use https://`,
    );
    const tlsOnly = [
      raw.pveFingerprint ? '--pve-fingerprint' : '',
      raw.pveCaFile ? '--pve-ca-file' : '',
      insecure ? '--pve-insecure' : '',
    ].filter(Boolean);
    if (tlsOnly.length > 0)
      cfg.warnings.push(`${tlsOnly.join(', ')}: no effect with an http:// --pve-url (no TLS)`);
  }
  // https without a CA file or fingerprint: the system CAs are tried (Proxmox's own certificate is
  // self-signed, so the connection check at start-up says so if that fails).
  cfg.pve = {
    url: url.origin,
    tokenId: raw.pveTokenId,
    tokenSecret: secret,
    ...(raw.pveCaFile ? { caFile: raw.pveCaFile } : {}),
    ...(fingerprint ? { fingerprint } : {}),
    insecure,
  };
  return cfg;
}
