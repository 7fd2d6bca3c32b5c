/**
 * `npm run bench [-- name ...]` (`-- --help` lists them): runs the benchmarks and prints one table per benchmark. Performance
 * requirements live here, never in timed unit tests.
 */
import { renderRows, type Row } from './table.js';

interface Bench {
  name: string;
  title: string;
  load(): Promise<() => Promise<Row[]>>;
}

const benches: Bench[] = [
  {
    name: 'sim',
    title: 'Simulator throughput (GET .../lxc/{vmid}/config, 1,000 containers, no latency)',
    load: async () => (await import('./sim-throughput.js')).benchSimThroughput,
  },
  {
    name: 'source',
    title: 'Manifest source: read + parse + validate 10,000 manifests',
    load: async () => (await import('./source-ingest.js')).benchSourceIngest,
  },
  {
    name: 'bridges',
    title: 'Bridge controller: start-up, ingest and converged sweeps (4 nodes x 8 bridges)',
    load: async () => (await import('./bridge-sweep.js')).benchBridgeSweep,
  },
  {
    name: 'appcontainers',
    title: 'AppContainer: 1,000 containers on 4 nodes, 10 ms API latency',
    load: async () => (await import('./app-container-sweep.js')).benchAppContainers,
  },
  {
    name: 'vms',
    title: 'VirtualMachine: 200 VMs on 4 nodes, 10 ms API latency',
    load: async () => (await import('./vm-sweep.js')).benchVms,
  },
  {
    name: 'firewall',
    title: 'FirewallPolicy: writes per edit of a 30-rule group vs delete-all-and-recreate',
    load: async () => (await import('./firewall-rules.js')).benchFirewallRules,
  },
];

const usage = `usage: npm run bench [-- NAME ...]   (default: all)

${benches.map((b) => `  ${b.name.padEnd(14)} ${b.title}`).join('\n')}
`;
const only = process.argv.slice(2);
if (only.includes('--help') || only.includes('-h')) {
  process.stdout.write(usage);
  process.exit(0);
}
// A misspelt name must not run nothing and report success.
const unknown = only.filter((n) => !benches.some((b) => b.name === n));
if (unknown.length > 0) {
  process.stderr.write(
    `bench: unknown benchmark ${unknown.map((n) => `'${n}'`).join(', ')}\n${usage}`,
  );
  process.exit(2);
}
let failed = false;
for (const b of benches) {
  if (only.length && !only.includes(b.name)) continue;
  const started = performance.now();
  try {
    const run = await b.load();
    const rows = await run();
    console.log(renderRows(b.title, rows));
    console.log(`(${((performance.now() - started) / 1000).toFixed(1)} s)`);
    if (rows.some((r) => r.ok === false)) failed = true;
  } catch (err) {
    failed = true;
    console.log(`\n## ${b.title}\n\nFAILED: ${(err as Error).stack ?? String(err)}`);
  }
}
process.exitCode = failed ? 1 : 0;
