/**
 * `pxr renew certificate/NAME` — forces a renewal (like `cmctl renew`): records the request beside
 * the certificate's stored files, then asks the running controller to reconcile it now (`pxr
 * reconcile`) and prints the certificate it then holds. The request stays valid until a
 * certificate is stored after it, so a controller that is down or busy serves it later.
 */
import { systemClock } from '../core/clock.js';
import { requestRenewal } from '../kinds/certificate/renew-request.js';
import { openStore } from '../store/store.js';
import { COMMON_OPTIONS, parse, type Io } from './args.js';
import { cmdReconcile } from './cmd-reconcile.js';
import { ConfigError } from './config.js';
import { storePathForCli } from './open-store.js';
import { dataDirOf } from './controller-app.js';
import { parseRef } from './kinds.js';

const USAGE = 'Usage: pxr renew certificate/NAME [--timeout 30s] [--db FILE]\n';

export async function cmdRenew(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, { ...COMMON_OPTIONS, timeout: { type: 'string' } });
  if (values.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  if (positionals.length !== 1) throw new ConfigError(`expected certificate/NAME\n${USAGE}`);
  const ref = parseRef(positionals[0]!);
  if (ref.kind !== 'Certificate')
    throw new ConfigError(`pxr renew renews certificates, not ${ref.kind}\n${USAGE}`);
  const path = storePathForCli(values, io);
  const store = openStore(path, { clock: systemClock });
  try {
    if (!store.objects.get(ref)) {
      io.stderr.write(`pxr renew: certificate/${ref.name} not found\n`);
      return 1;
    }
  } finally {
    store.close();
  }
  await requestRenewal(dataDirOf(path).dataDir, ref.name, systemClock.now());
  io.stdout.write(`certificate/${ref.name}: renewal requested\n`);
  const code = await cmdReconcile(argv, io);
  const after = openStore(path, { clock: systemClock });
  try {
    const o = after.status.get(ref)?.observed ?? {};
    if (typeof o['serial'] === 'string')
      io.stdout.write(
        `certificate/${ref.name}: serial ${o['serial']}, expires ${String(o['notAfter'])}, renews ${String(o['renewalTime'])}\n`,
      );
  } finally {
    after.close();
  }
  return code;
}
