/**
 * A real Debian DHCP client (ISC dhclient) in an app namespace. Its script is ours, not
 * /sbin/dhclient-script: it only configures the interface inside the namespace and writes what the
 * lease said to a file, so nothing ever touches the host's /etc (resolv.conf, hostname).
 */
import { readFile, writeFile, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { waitFor } from '../helpers/wait.js';
import type { LabChild, LabProcs } from './lab-procs.js';

export interface LeaseInfo {
  reason: string;
  ip: string;
  mask: string;
  routers: string;
  dns: string;
  domain: string;
  search: string;
}

const SCRIPT = (leaseInfo: string): string => `#!/bin/sh
# pxr lab dhclient script: configure $interface in this namespace, record the lease.
case "$reason" in
  PREINIT) ip link set dev "$interface" up ;;
  BOUND|RENEW|REBIND|REBOOT)
    if [ -n "$old_ip_address" ] && [ "$old_ip_address" != "$new_ip_address" ]; then
      ip addr del "$old_ip_address/$old_subnet_mask" dev "$interface" 2>/dev/null
    fi
    ip addr replace "$new_ip_address/$new_subnet_mask" dev "$interface"
    for r in $new_routers; do ip route replace default via "$r" dev "$interface"; break; done
    tmp="${leaseInfo}.tmp"
    {
      echo "reason=$reason"
      echo "ip=$new_ip_address"
      echo "mask=$new_subnet_mask"
      echo "routers=$new_routers"
      echo "dns=$new_domain_name_servers"
      echo "domain=$new_domain_name"
      echo "search=$new_domain_search"
    } > "$tmp"
    mv "$tmp" "${leaseInfo}"
    ;;
esac
exit 0
`;

export interface Dhclient {
  proc: LabChild;
  /** Polls (bounded) until the client holds a lease. */
  lease(timeoutMs?: number): Promise<LeaseInfo>;
}

export async function startDhclient(
  procs: LabProcs,
  ns: string,
  dir: string,
  hostname: string,
  iface = 'eth0',
): Promise<Dhclient> {
  const leaseInfo = join(dir, `lease-${hostname}.env`);
  const script = join(dir, `dhclient-script-${hostname}`);
  const conf = join(dir, `dhclient-${hostname}.conf`);
  await writeFile(script, SCRIPT(leaseInfo));
  await chmod(script, 0o755);
  await writeFile(
    conf,
    [
      `send host-name "${hostname}";`,
      'request subnet-mask, broadcast-address, routers, domain-name, domain-name-servers, domain-search, host-name;',
      // Bounds the whole exchange: a retry every second, not dhclient's default back-off.
      'timeout 30;',
      'retry 1;',
      'initial-interval 1;',
      '',
    ].join('\n'),
  );
  const proc = procs.spawnIn(
    ns,
    [
      'dhclient',
      '-4',
      '-d',
      '-v',
      '-cf',
      conf,
      '-sf',
      script,
      '-pf',
      join(dir, `dhclient-${hostname}.pid`),
      '-lf',
      join(dir, `dhclient-${hostname}.leases`),
      iface,
    ],
    `dhclient ${hostname}`,
  );
  return {
    proc,
    lease: (timeoutMs = 20_000) =>
      waitFor(
        `${hostname} to get a DHCP lease`,
        async () => {
          if (proc.child.exitCode !== null)
            throw new Error(`dhclient exited (${proc.child.exitCode}): ${proc.output()}`);
          const text = await readFile(leaseInfo, 'utf8').catch(() => undefined);
          if (text === undefined) return undefined;
          const kv = Object.fromEntries(
            text
              .trim()
              .split('\n')
              .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
          ) as Record<string, string | undefined>;
          return {
            reason: kv.reason ?? '',
            ip: kv.ip ?? '',
            mask: kv.mask ?? '',
            routers: kv.routers ?? '',
            dns: kv.dns ?? '',
            domain: kv.domain ?? '',
            search: kv.search ?? '',
          };
        },
        timeoutMs,
        100,
      ),
  };
}
