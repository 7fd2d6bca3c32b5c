/**
 * File operations built on nothing but `exec` of a POSIX `sh`, so the ssh transport and the inside of a
 * container (`pct exec`) share one implementation. The scripts are constants; paths and modes are
 * passed as positional arguments (`sh -c SCRIPT sh ARG...`) and never spliced into script text.
 */
import { PxrError } from '../../core/errors.js';
import type { ExecOptions, ExecResult } from './types.js';

export type ExecFn = (argv: readonly string[], opts?: ExecOptions) => Promise<ExecResult>;

/** Exit status the read script uses for "no such file" (cat itself only ever exits 0 or 1). */
const MISSING = 44;

const READ = `if cat -- "$1"; then exit 0; fi; if [ -e "$1" ]; then exit 1; fi; exit ${MISSING}`;

/**
 * Temp file in the target's own folder (so `mv` is a rename on one filesystem, never a copy), content
 * from stdin, mode set before the rename: a reader sees the old file or the whole new one, never a
 * partial one. The trap removes the temp file when any step fails.
 */
const WRITE = [
  'set -e',
  'd=${1%/*}',
  '[ -n "$d" ] || d=/',
  'mkdir -p -- "$d"',
  't=$(mktemp "$d/.pxr-tmp.XXXXXX")',
  `trap 'rm -f -- "$t"' EXIT`,
  'cat > "$t"',
  'chmod "$2" "$t"',
  'mv -f -- "$t" "$1"',
  'trap - EXIT',
].join('\n');

/** NUL-separated names (a name may contain a newline); hidden entries included, `.`/`..` not. */
const LIST = [
  '[ -e "$1" ] || exit 0',
  'cd -- "$1" || exit 1',
  'for f in * .[!.]* ..?*; do',
  '  if [ -e "$f" ] || [ -L "$f" ]; then printf "%s\\0" "$f"; fi',
  'done',
].join('\n');

/** Refuses what the scripts cannot handle safely: relative paths (whose cwd?) and NUL. */
export function checkRemotePath(path: string): void {
  if (!path.startsWith('/') || path.includes('\0') || path.endsWith('/')) {
    throw new PxrError('TRANSPORT_BAD_PATH', `not an absolute file path: ${JSON.stringify(path)}`, {
      context: { path },
    });
  }
}

/** `0o644` → `'0644'` (what chmod and `pct push --perms` take). */
export function octalMode(mode: number): string {
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o7777) {
    throw new PxrError('TRANSPORT_BAD_MODE', `not a file mode: ${mode}`, { context: { mode } });
  }
  return `0${mode.toString(8).padStart(3, '0')}`;
}

function failed(code: string, what: string, where: string, path: string, r: ExecResult): PxrError {
  const stderr = r.stderr.trim().slice(0, 500);
  return new PxrError(
    code,
    `${what} ${path} via ${where} failed (exit ${r.code})${stderr ? `: ${stderr}` : ''}`,
    { context: { path, transport: where, exitCode: r.code, stderr } },
  );
}

export async function readFileVia(
  exec: ExecFn,
  where: string,
  path: string,
): Promise<string | undefined> {
  checkRemotePath(path);
  const r = await exec(['sh', '-c', READ, 'sh', path]);
  if (r.code === 0) return r.stdout;
  if (r.code === MISSING) return undefined;
  throw failed('TRANSPORT_READ_FAILED', 'reading', where, path, r);
}

export async function writeFileVia(
  exec: ExecFn,
  where: string,
  path: string,
  content: string,
  mode = 0o644,
): Promise<void> {
  checkRemotePath(path);
  const r = await exec(['sh', '-c', WRITE, 'sh', path, octalMode(mode)], { stdin: content });
  if (r.code !== 0) throw failed('TRANSPORT_WRITE_FAILED', 'writing', where, path, r);
}

export async function removeFileVia(exec: ExecFn, where: string, path: string): Promise<void> {
  checkRemotePath(path);
  const r = await exec(['rm', '-f', '--', path]);
  if (r.code !== 0) throw failed('TRANSPORT_REMOVE_FAILED', 'removing', where, path, r);
}

export async function listDirVia(exec: ExecFn, where: string, path: string): Promise<string[]> {
  if (path !== '/') checkRemotePath(path.replace(/\/+$/, ''));
  const r = await exec(['sh', '-c', LIST, 'sh', path]);
  if (r.code !== 0) throw failed('TRANSPORT_LIST_FAILED', 'listing', where, path, r);
  return parseNulList(r.stdout);
}

/** Splits NUL-terminated names and sorts them by code point (the shell's glob order follows the locale). */
export function parseNulList(out: string): string[] {
  return out
    .split('\0')
    .filter((n) => n !== '')
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
