/**
 * `pxr` — the command line. The composition root: this is the only place that reads `process.env`,
 * `process.argv` or the real clock; everything below receives what it needs.
 */
import { PxrError } from '../core/errors.js';
import { ConfigError } from './config.js';
import type { Io } from './args.js';

export type { Io } from './args.js';

const USAGE = `pxr — the Proxmox Reconciler

Usage:
  pxr run [--sim] [--manifests DIR] [--db FILE] [--pve-url URL ...]   run the controller
  pxr validate [DIR]                                 validate manifests (exit 1 on errors)
  pxr diff [DIR] [--sim] [-o json]                   what pxr would change (exit 0 none, 1 some, 2 error)
  pxr get [KIND] [NAME] [-o wide|json|yaml]          list objects and their status
  pxr describe KIND/NAME                             one object in detail
  pxr events [--for KIND/NAME] [--follow]            events
  pxr alerts [test]                                  alert deliveries per sink; send a test message
  pxr reconcile KIND/NAME                            ask the running controller to reconcile it now
  pxr renew certificate/NAME                         force a certificate's renewal now
  pxr sim [--listen HOST:PORT] [--nodes a,b] ...     the Proxmox VE API simulator
  pxr version

Run 'pxr <command> --help' for the options of a command. Settings: flags, PXR_* environment
variables, or pxr.yaml (see README).
`;

export async function main(argv: string[], io: Io): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case 'run':
        return await (await import('./cmd-run.js')).cmdRun(rest, io);
      case 'validate':
        return await (await import('./cmd-validate.js')).cmdValidate(rest, io);
      case 'diff':
        return await (await import('./cmd-diff.js')).cmdDiff(rest, io);
      case 'get':
        return await (await import('./cmd-get.js')).cmdGet(rest, io);
      case 'describe':
        return await (await import('./cmd-describe.js')).cmdDescribe(rest, io);
      case 'events':
        return await (await import('./cmd-events.js')).cmdEvents(rest, io);
      case 'reconcile':
        return await (await import('./cmd-reconcile.js')).cmdReconcile(rest, io);
      case 'renew':
        return await (await import('./cmd-renew.js')).cmdRenew(rest, io);
      case 'alerts':
        return await (await import('./cmd-alerts.js')).cmdAlerts(rest, io);
      case 'sim':
        return await (await import('../sim/cli.js')).runSimCommand(rest, io);
      case 'version':
      case '--version':
        io.stdout.write(`pxr ${await version()}\n`);
        return 0;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.stdout.write(USAGE);
        return cmd === undefined ? 2 : 0;
      default:
        io.stderr.write(`pxr: unknown command '${cmd}'\n\n${USAGE}`);
        return 2;
    }
  } catch (err) {
    // Settings and located failures (a missing folder, a file that is no store) are one line for
    // the user; anything else is a bug and keeps its stack.
    if (err instanceof ConfigError || err instanceof PxrError) {
      io.stderr.write(`pxr ${cmd}: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}

async function version(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const pkg = JSON.parse(
    await readFile(new URL('../../package.json', import.meta.url), 'utf8'),
  ) as {
    version: string;
  };
  return pkg.version;
}

/** Entry point used by `bin/pxr.js`: wires the real process in. */
export function runCli(): void {
  main(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(
        `pxr: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
      process.exitCode = 1;
    },
  );
}
