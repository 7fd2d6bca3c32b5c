/**
 * A simulated appliance kept inside its container of the simulator: its files and services are part
 * of the cluster state (saved to the state file), a stop ends what only lives while the container
 * runs, a destroy takes everything, and a container that is stopped or gone cannot be reached.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  applyApplianceServices,
  createApplianceServices,
} from '../../src/appliance/services/appliance-services.js';
import { SimulatedTransport } from '../../src/appliance/transport/simulated.js';
import { simulatorHome } from '../../src/appliance/transport/simulator-home.js';
import { ManualClock } from '../../src/core/clock.js';
import { loadStateFile } from '../../src/sim/index.js';
import { startSim, type StartedSim } from '../helpers/sim.js';
import { lab } from './fixtures.js';

const DEBIAN = 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst';

describe('a simulated appliance inside its simulator container', () => {
  const clock = new ManualClock();
  let s: StartedSim;
  let dir: string;
  const pve = () => s.api.nodes.$('pve');
  const transport = (): SimulatedTransport =>
    new SimulatedTransport({ home: simulatorHome(s.sim, 'pve', 120) });

  async function finish(upid: string): Promise<void> {
    clock.advance(60_000);
    const st = await pve().tasks.$(upid).status.$get();
    // `WARNINGS: n` is a success too (an unprivileged CT without nesting warns).
    assert.match(String(st.exitstatus), /^(OK|WARNINGS: \d+)$/, upid);
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pxr-sim-home-'));
    s = await startSim({ clock, statePath: join(dir, 'state.json'), persistDebounceMs: 10 });
    await finish(await pve().lxc.$post({ vmid: 120, ostemplate: DEBIAN, storage: 'local-lvm' }));
  });
  after(async () => {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a stopped container cannot be reached', async () => {
    await assert.rejects(transport().readFile('/etc/hostname'), {
      code: 'TRANSPORT_UNREACHABLE',
      message: /container 120 on node pve is not running/,
    });
  });

  test('what the services set up is saved with the cluster and seen by a new transport', async () => {
    await finish(await pve().lxc.$(120).status.start.$post());
    const t = transport();
    const out = await applyApplianceServices(
      createApplianceServices({ transport: t, clock: new ManualClock() }),
      lab(),
    );
    assert.ok(
      out.every((o) => o.ok),
      JSON.stringify(out.map((o) => (o.ok ? o.service : o.error.message))),
    );
    await s.sim.flush();
    const saved = (await loadStateFile(join(dir, 'state.json')))?.nodes['pve']?.lxc['120']?.guest;
    assert.ok(saved?.files['/etc/pxr/dnsmasq.conf'], 'dnsmasq.conf is in the state file');
    assert.deepEqual(Object.values(saved.procs), ['dnsmasq']);
    assert.equal(saved.sysctl['net.ipv4.ip_forward'], '1');
    assert.ok(saved.caddy.config, 'Caddy config saved');

    const again = transport();
    assert.equal(again.running('dnsmasq').length, 1);
    assert.deepEqual(
      again.nft?.map((c) => c.name),
      ['forward', 'postrouting'],
    );
    assert.equal(again.startsEmpty, false);
  });

  test('a stop ends processes, tmpfs, nftables and Caddy config; the files stay', async () => {
    const t = transport();
    const [pid] = t.running('dnsmasq');
    await finish(await pve().lxc.$(120).status.stop.$post());
    await finish(await pve().lxc.$(120).status.start.$post());
    assert.deepEqual(t.running('dnsmasq'), []);
    assert.equal(t.files[`/proc/${pid}/stat`], undefined);
    assert.equal(t.files['/run/pxr-dnsmasq.pid'], undefined);
    assert.equal(t.nft, undefined);
    assert.equal(t.caddy.config, null);
    assert.equal(t.sysctl['net.ipv4.ip_forward'], '0');
    assert.ok(t.files['/etc/pxr/dnsmasq.conf'], 'the root filesystem keeps its files');
  });

  test('a destroyed container takes its inside with it', async () => {
    await finish(await pve().lxc.$(120).status.stop.$post());
    await finish(await pve().lxc.$(120).$delete());
    await assert.rejects(transport().exec(['nft', '-j', 'list', 'table', 'inet', 'pxr']), {
      code: 'TRANSPORT_UNREACHABLE',
      message: /container 120 on node pve does not exist/,
    });
  });
});
