/** `pxr validate [dir]` — every check pxr makes before calling Proxmox, without a store or Proxmox. */
import { resolve } from 'node:path';
import { formatIssue } from '../source/format.js';
import { validateDir } from '../source/validate-dir.js';
import { resolveConfig } from './config.js';
import { readConfigFile } from './config-file.js';
import { COMMON_OPTIONS, parse, type Io } from './args.js';
import { kindDefinitions } from '../kinds/registry.js';

export async function cmdValidate(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, {
    ...COMMON_OPTIONS,
    manifests: { type: 'string' },
    output: { type: 'string', short: 'o' },
  });
  if (values.help) {
    io.stdout.write('Usage: pxr validate [DIR] [-o json]   (exit 0 valid, 1 invalid, 2 error)\n');
    return 0;
  }
  const cfg = resolveConfig({
    flags: { ...(values.manifests ? { manifests: values.manifests } : {}) },
    env: io.env,
    file: readConfigFile(values.config, io.cwd),
    readFile: () => '',
    needPve: false,
  });
  const dir = positionals[0] ?? cfg.manifests;
  const r = await validateDir(resolve(io.cwd, dir), kindDefinitions());
  if (values.output === 'json') {
    io.stdout.write(
      `${JSON.stringify({ files: r.files, documents: r.docs, issues: r.issues }, null, 2)}\n`,
    );
  } else {
    for (const issue of r.issues) io.stdout.write(`${formatIssue(issue, dir)}\n`);
    const summary = `${r.files} file${r.files === 1 ? '' : 's'}, ${r.docs} valid document${r.docs === 1 ? '' : 's'}, ${r.issues.length} error${r.issues.length === 1 ? '' : 's'}`;
    (r.issues.length ? io.stderr : io.stdout).write(`${summary}\n`);
  }
  return r.issues.length ? 1 : 0;
}
