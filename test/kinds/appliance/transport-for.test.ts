/**
 * The default transport factory: one transport per appliance kept between passes (a simulated
 * appliance's state lives in it), replaced when the access settings change, and a private key file
 * that cannot be read is a retryable error naming the file, never its content.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../src/core/clock.js';
import { PxrError, TerminalError } from '../../../src/core/errors.js';
import { SimulatedTransport } from '../../../src/appliance/transport/simulated.js';
import { defaultTransportFactory } from '../../../src/kinds/appliance/index.js';
import { resolveAppliance, type ApplianceSpec } from '../../../src/kinds/appliance/spec.js';

const base: ApplianceSpec = {
  node: 'pve',
  template: 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst',
  wan: { bridge: 'vmbr0' },
  lan: { bridge: 'vmbr10', cidr: '10.20.0.1/24' },
  dhcp: { range: { start: '10.20.0.100', end: '10.20.0.199' } },
  dns: { domain: 'prox.local' },
  access: { transport: 'simulated' },
};

const target = (access: ApplianceSpec['access'], uid = 'u1') => ({
  name: 'gw',
  uid,
  vmid: 105,
  spec: resolveAppliance({ ...base, access }),
});

describe('the default transport factory', () => {
  test('a simulated appliance is kept per object between passes, and per object only', async () => {
    const f = defaultTransportFactory({ clock: new ManualClock() });
    const a = await f(target({ transport: 'simulated' }));
    assert.ok(a instanceof SimulatedTransport);
    await a.writeFile('/etc/x', 'kept');
    const again = await f(target({ transport: 'simulated' }));
    assert.equal(again, a);
    assert.equal(await again.readFile('/etc/x'), 'kept');
    assert.notEqual(await f(target({ transport: 'simulated' }, 'u2')), a);
    await f.closeAll();
  });

  test('close(uid) closes and forgets one appliance transport, leaving the others', async () => {
    const f = defaultTransportFactory({ clock: new ManualClock() });
    const a = await f(target({ transport: 'simulated' }));
    const b = await f(target({ transport: 'simulated' }, 'u2'));
    let closed = 0;
    const close = a.close.bind(a);
    a.close = () => {
      closed++;
      return close();
    };
    await f.close('u1');
    assert.equal(closed, 1);
    assert.notEqual(await f(target({ transport: 'simulated' })), a, 'a new one after close');
    assert.equal(await f(target({ transport: 'simulated' }, 'u2')), b);
    await f.close('nobody');
    await f.closeAll();
  });

  test('changed access settings replace (and close) the transport', async () => {
    const secret = '-----BEGIN OPENSSH PRIVATE KEY-----\nnot-a-real-key\n';
    const f = defaultTransportFactory({
      clock: new ManualClock(),
      readSecret: () => Promise.resolve(secret),
    });
    const a = await f(target({ transport: 'simulated' }));
    // An unusable key is refused at once (before any connection) by the ssh transport.
    await assert.rejects(
      f(
        target({
          transport: 'ssh',
          host: '192.0.2.1',
          privateKeyFile: '/etc/pxr/key',
          hostKeyFingerprint: 'SHA256:' + 'A'.repeat(43),
        }),
      ),
      (err: Error) => !err.message.includes('not-a-real-key'),
    );
    await assert.rejects(a.exec(['true']), /closed/);
  });

  test('an unreadable key file is a retryable error naming the file, not the content', async () => {
    const f = defaultTransportFactory({
      clock: new ManualClock(),
      readSecret: (p) =>
        Promise.reject(
          Object.assign(new Error(`EACCES: permission denied, open '${p}'`), { code: 'EACCES' }),
        ),
    });
    await assert.rejects(
      f(
        target({
          transport: 'pct',
          host: 'pve.example',
          privateKeyFile: '/etc/pxr/node_key',
          hostKeyFingerprint: 'SHA256:' + 'A'.repeat(43),
        }),
      ),
      (err: unknown) =>
        err instanceof PxrError &&
        !(err instanceof TerminalError) &&
        err.code === 'SECRET_UNREADABLE' &&
        /\/etc\/pxr\/node_key: EACCES/.test(err.message),
    );
  });
});
