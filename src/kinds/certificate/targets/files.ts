/**
 * The files target: the certificate, optional chain and key as files in an AppContainer, written
 * atomically through the container's transport (`pct push` to a temp name beside the file, then
 * rename), given to `owner`, then `reloadCommand` runs inside. Observed by reading the files back:
 * what is served is the fingerprint of the certificate file's leaf; when it is the stored one, a
 * certificate or chain file that differs, a key file that is not the stored key, or a mode or
 * owner other than asked makes the place differ too (drift, corrected under `pxr/drift`). The key
 * is read back only to compare it: nothing of it is returned or thrown.
 *
 * The container's node and VMID come from its AppContainer (spec, else status); until it exists
 * the place waits. Two Certificates writing one path in one container would replace each other on
 * every pass: the first by name keeps it, the others stall (TargetConflict).
 */
import { PxrError, TerminalError } from '../../../core/errors.js';
import type { PlanContext, StoredObject } from '../../../core/kind.js';
import { asRecord } from '../../../core/records.js';
import type { Transport } from '../../../appliance/transport/types.js';
import type { CertificateSpec } from '../schema.js';
import type { StoredCert } from '../stored.js';
import type { ContainerRef, ContainerTransports } from './container-transport.js';
import {
  fileContents,
  fileSlots,
  leafFingerprint,
  statProblem,
  type FileTargetSpec,
} from './files-layout.js';
import { scrubPem } from './scrub.js';
import type { CertTarget, TargetModule } from './types.js';

const RELOAD_TIMEOUT_MS = 120_000;

const filesOf = (spec: CertificateSpec): FileTargetSpec[] => spec.targets?.files ?? [];
const pathsOf = (f: FileTargetSpec): string[] =>
  [f.certificate, f.chain, f.key].filter((p): p is string => p !== undefined);

/** The first Certificate by name that writes `path` in `container`. */
function firstWriter(ctx: PlanContext, container: string, paths: string[]): string | undefined {
  return ctx
    .list('Certificate')
    .filter(
      (c) =>
        !c.deletionRequested &&
        filesOf(c.spec as CertificateSpec).some(
          (f) => f.container === container && pathsOf(f).some((p) => paths.includes(p)),
        ),
    )
    .map((c) => c.name)
    .sort()[0];
}

/** Where the container runs, or why it cannot be reached yet. */
function locate(ctx: PlanContext, f: FileTargetSpec): ContainerRef | string {
  const ref = { kind: 'AppContainer', name: f.container };
  const ct = ctx.get(ref);
  if (!ct || ct.deletionRequested) return `AppContainer/${f.container} does not exist`;
  const seen = ctx.getStatus(ref)?.observed ?? {};
  const vmid = asRecord(ct.spec)['vmid'] ?? seen['vmid'];
  const node = seen['node'] ?? asRecord(ct.spec)['node'];
  if (typeof vmid !== 'number' || typeof node !== 'string')
    return `AppContainer/${f.container} has no VMID yet`;
  return { name: f.container, uid: ct.uid, node, vmid, access: f.access };
}

async function observeFiles(
  t: Transport,
  f: FileTargetSpec,
  stored: StoredCert | undefined,
): Promise<string | undefined> {
  const text = await t.readFile(f.certificate);
  if (text === undefined) return undefined;
  const fp = leafFingerprint(text);
  if (!stored || fp !== stored.fingerprint) return fp;
  const problems: string[] = [];
  const want = fileContents(f, stored);
  for (const w of want) {
    const have = w.path === f.certificate ? text : await t.readFile(w.path);
    if (have !== w.content)
      problems.push(`${w.path} ${have === undefined ? 'missing' : 'differs'}`);
  }
  if (problems.length === 0) {
    const st = await t.exec(['stat', '-c', '%a %U:%G %u:%g', '--', ...want.map((w) => w.path)]);
    if (st.code !== 0) problems.push(`stat failed (exit ${st.code})`);
    else {
      const lines = st.stdout.trim().split('\n');
      want.forEach((w, i) => {
        const p = statProblem(lines[i] ?? '', w.mode, f.owner);
        if (p) problems.push(`${w.path} ${p}`);
      });
    }
  }
  return problems.length ? `${fp} (${problems.join(', ')})` : fp;
}

async function installFiles(t: Transport, f: FileTargetSpec, cert: StoredCert): Promise<void> {
  const want = fileContents(f, cert);
  for (const w of want) await t.writeFile(w.path, w.content, { mode: w.mode });
  if (f.owner !== undefined) {
    const r = await t.exec(['chown', f.owner, '--', ...want.map((w) => w.path)]);
    if (r.code !== 0)
      throw new PxrError(
        'CHOWN_FAILED',
        `chown ${f.owner} in AppContainer/${f.container} failed (exit ${r.code}): ${scrubPem(r.stderr.trim()).slice(0, 300)}`,
      );
  }
  if (f.reloadCommand !== undefined) {
    const r = await t.exec(f.reloadCommand, { timeoutMs: RELOAD_TIMEOUT_MS });
    if (r.code !== 0)
      throw new PxrError(
        'RELOAD_FAILED',
        `reload command ${JSON.stringify(f.reloadCommand)} in AppContainer/${f.container} failed (exit ${r.code}): ${scrubPem(r.stderr.trim()).slice(0, 300)}`,
      );
  }
}

export function filesTarget(transports: ContainerTransports): TargetModule {
  return {
    key: 'files',
    placesOf(o: StoredObject<CertificateSpec>, { ctx }): CertTarget[] {
      return filesOf(o.spec).map((f) => {
        const first = firstWriter(ctx, f.container, pathsOf(f));
        if (first !== undefined && first !== o.name) {
          throw new TerminalError(
            'TargetConflict',
            `AppContainer/${f.container} already takes ${pathsOf(f).join(', ')} from Certificate/${first}`,
          );
        }
        const where = locate(ctx, f);
        const field = `targets.files[${f.container}:${f.certificate}]`;
        const place = `AppContainer/${f.container} ${f.certificate}`;
        const calls = [
          ...fileSlots(f).map((w) => `pct push ${w.path} (${w.mode.toString(8).padStart(4, '0')})`),
          ...(f.owner ? [`chown ${f.owner}`] : []),
          ...(f.reloadCommand ? [f.reloadCommand.join(' ')] : []),
        ];
        if (typeof where === 'string') {
          const wait = (): Promise<never> => Promise.reject(new PxrError('TARGET_WAITING', where));
          return { field, place, calls, waiting: where, observe: wait, install: wait };
        }
        return {
          field,
          place,
          calls,
          ...(f.reloadCommand ? { reloads: true } : {}),
          observe: async (stored) => observeFiles(await transports(where), f, stored),
          install: async (cert) => installFiles(await transports(where), f, cert),
        };
      });
    },
  };
}
