/** `pxr validate [dir]` — every check pxr makes before calling Proxmox, without a store or Proxmox. */
import { resolve } from 'node:path';
import { formatIssue } from '../source/format.js';
import { validateDir, type ValidateDirResult } from '../source/validate-dir.js';
import { conflictMessage } from '../source/address-conflicts.js';
import type { SourceIssue } from '../source/types.js';
import { resolveConfig } from './config.js';
import { readConfigFile } from './config-file.js';
import { COMMON_OPTIONS, parse, type Io } from './args.js';
import { kindDefinitions } from '../kinds/registry.js';

/** Address conflicts as located issues, once per document that claims the address. */
function warnings(r: ValidateDirResult): SourceIssue[] {
  return r.conflicts.flatMap((c) =>
    (['first', 'other'] as const).map((side) => {
      const h = c[side];
      return {
        ...h.doc.location,
        kind: h.kind,
        name: h.name,
        field: h.field,
        message: conflictMessage(c, side),
      };
    }),
  );
}

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
      `${JSON.stringify({ files: r.files, documents: r.docs, issues: r.issues, warnings: warnings(r) }, null, 2)}\n`,
    );
  } else {
    for (const issue of r.issues) io.stdout.write(`${formatIssue(issue, dir)}\n`);
    for (const w of warnings(r))
      io.stdout.write(`${formatIssue(w, dir).replace(': ', ': warning: ')}\n`);
    const summary = `${r.files} file${r.files === 1 ? '' : 's'}, ${r.docs} valid document${r.docs === 1 ? '' : 's'}, ${r.issues.length} error${r.issues.length === 1 ? '' : 's'}`;
    (r.issues.length ? io.stderr : io.stdout).write(`${summary}\n`);
  }
  return r.issues.length ? 1 : 0;
}
