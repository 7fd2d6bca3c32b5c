/**
 * Finds the git revision a manifests folder was checked out at, without spawning git: git-sync names
 * each worktree after its commit (`root/current -> .worktrees/<sha>`), and a plain clone has a `.git`
 * whose HEAD we can follow through loose or packed refs.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

const SHA_RE = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

/**
 * The revision of the checkout holding `realDir` (a resolved path), or undefined when unknown. The
 * manifests are usually a subfolder of the checkout (`/git/current/manifests`), so every ancestor is
 * tried, nearest first.
 */
export async function gitRevisionOf(realDir: string): Promise<string | undefined> {
  for (let dir = resolve(realDir); ; dir = dirname(dir)) {
    if (SHA_RE.test(basename(dir))) return basename(dir);
    const gitDir = await findGitDir(dir);
    if (gitDir !== undefined) return headOf(gitDir);
    if (dirname(dir) === dir) return undefined;
  }
}

async function findGitDir(dir: string): Promise<string | undefined> {
  const dotGit = join(dir, '.git');
  const st = await stat(dotGit).catch((err: unknown) => {
    if (isMissing(err)) return undefined;
    throw err;
  });
  if (st?.isDirectory()) return dotGit;
  if (st?.isFile()) {
    // A worktree's `.git` is a file: `gitdir: /repo/.git/worktrees/<name>`.
    const m = /^gitdir:\s*(.+)$/m.exec(await readText(dotGit));
    if (m?.[1]) return resolve(dir, m[1].trim());
  }
  return undefined;
}

async function headOf(gitDir: string): Promise<string | undefined> {
  const head = (await readText(join(gitDir, 'HEAD'))).trim();
  if (SHA_RE.test(head)) return head;
  const ref = /^ref:\s*(\S+)$/.exec(head)?.[1];
  if (ref === undefined) return undefined;
  // Branch refs of a worktree live in the common dir (`commondir` file), loose or packed.
  const common = (await readText(join(gitDir, 'commondir'))).trim();
  const dirs = common ? [gitDir, resolve(gitDir, common)] : [gitDir];
  for (const d of dirs) {
    const loose = (await readText(join(d, ref))).trim();
    if (SHA_RE.test(loose)) return loose;
    const packed = await readText(join(d, 'packed-refs'));
    for (const line of packed.split('\n')) {
      const [sha, name] = line.trim().split(' ');
      if (name === ref && sha !== undefined && SHA_RE.test(sha)) return sha;
    }
  }
  return undefined;
}

/** Reads a small git metadata file; absent or unreadable means "not this layout" (empty string). */
async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if (isMissing(err)) return '';
    throw err;
  }
}

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
