import { execFileSync } from 'node:child_process';
import type { ApplianceDesired } from '../../src/appliance/desired.js';

/** The isolated app LAN: two apps, one with a fixed address and two routes, one leased. */
export function lab(over: Partial<ApplianceDesired> = {}): ApplianceDesired {
  return {
    lan: { iface: 'lan0', cidr: '10.20.0.1/24' },
    wan: { iface: 'wan0' },
    dhcp: {
      range: ['10.20.0.100', '10.20.0.199'],
      leaseTime: '12h',
      reservedRange: ['10.20.0.10', '10.20.0.99'],
    },
    dns: {
      domain: 'prox.local',
      upstream: ['1.1.1.1', '9.9.9.9'],
      records: [
        { name: 'gw.prox.local', type: 'A', value: '10.20.0.1' },
        { name: 'www.prox.local', type: 'CNAME', value: 'web.prox.local' },
        { name: 'prox.local', type: 'TXT', value: 'v=spf1 -all' },
      ],
    },
    nat: { enabled: true, masqueradeFrom: '10.20.0.0/24', outIface: 'wan0' },
    proxy: { httpPort: 80, defaultSite: 'web.example.test' },
    hosts: [
      {
        hostname: 'web',
        mac: 'BC:24:11:00:00:01',
        ip: '10.20.0.10',
        expose: [
          { host: 'web.example.test', port: 8080 },
          { host: 'web.example.test', port: 9090, pathPrefix: '/api' },
        ],
      },
      { hostname: 'db', mac: 'bc:24:11:00:00:02', expose: [] },
    ],
    ...over,
  };
}

/**
 * Whether a binary the test needs is here. Outside CI a missing binary skips the test with a clear
 * message; in CI (CI set) it is a failure, so the test runs and fails on the missing tool.
 */
export function skipWithout(...bins: string[]): string | false {
  const missing = bins.filter((b) => {
    try {
      execFileSync('sh', ['-c', `command -v ${b}`], { stdio: 'ignore' });
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length === 0 || process.env.CI) return false;
  return `needs ${missing.join(', ')} (apt-get install -y caddy dnsmasq-base nftables iproute2); required in CI`;
}

/** Root with CAP_NET_ADMIN, needed for network namespaces; in CI (run as root) it is required. */
export function skipWithoutRoot(): string | false {
  if (process.getuid?.() === 0 || process.env.CI) return false;
  return 'needs root for network namespaces; required in CI';
}
