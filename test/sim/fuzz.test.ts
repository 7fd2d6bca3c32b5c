/**
 * Malformed paths, bodies, parameters and credentials thrown at the server: every request gets an
 * answer, the server keeps serving, and the simulated cluster is unchanged.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { createRng } from '../../src/sim/rng.js';
import { rawRequest, startSim } from '../helpers/sim.js';
import type { StartedSim } from '../helpers/sim.js';

interface Case {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

function withLength(c: Case): Case {
  if (c.body === undefined) return c;
  return { ...c, headers: { 'Content-Length': String(Buffer.byteLength(c.body)), ...c.headers } };
}

function cases(auth: string): Case[] {
  const A = { Authorization: auth };
  const form = { ...A, 'Content-Type': 'application/x-www-form-urlencoded' };
  const list: Case[] = [];
  const paths = [
    '/api2/json/%',
    '/api2/json/%zz/..',
    '/api2/json/../../etc/passwd',
    '/api2/json/nodes/pve/../pve/status',
    '/api2/json/nodes/%2e%2e/status',
    '/api2/json/nodes/%E2%82%AC/status',
    '/api2/json/nodes/%C3%28/status',
    '/api2/json/nodes/%00/status',
    '/api2/json//nodes',
    '/api2/json/nodes/pve/lxc/abc/config',
    '/api2/json/nodes/pve/lxc/99999999999999999999/config',
    '/api2/json/nodes/pve/network/%FF%FE',
    `/api2/json/${'a/'.repeat(3000)}`,
    '/api2/json/cluster/firewall/ipset/x/10.0.0.0%2F24/extra/segments',
    '/api2/json/nodes/pve/tasks/UPID%3Apve%3A%3A%3A/status',
    '/api2/json/cluster/resources?type=%zz&type=vm&&&=',
    '/api2/json/cluster/nextid?vmid=1e3',
    '/api2/json/nodes/pve/tasks?limit=-1&start=999999999999999999999',
    '/api2/json?x=1',
    '/_sim/../api2/json/version',
  ];
  for (const path of paths) {
    list.push({ method: 'GET', path, headers: A }, { method: 'GET', path });
  }
  const writes = [
    '/nodes/pve/network',
    '/nodes/pve/lxc',
    '/nodes/pve/lxc/100/config',
    '/cluster/firewall/rules',
    '/cluster/firewall/groups',
    '/nodes/pve/certificates/custom',
    '/access/ticket',
  ];
  const bodies: (string | Buffer)[] = [
    'iface=..&type=bogus',
    'vmid=abc&ostemplate=%zz&net0=name%3D%E2%82%AC',
    'a=%&b=%%&c=%g0',
    '=&=&&=',
    'type=in&action=ACCEPT&pos=abc&digest=' + 'f'.repeat(100),
    'username=root@pam&password=' + 'x'.repeat(1000),
    '\u00e9\u00e8=\u{1F600}&iface=vmbr\u00e9',
    Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x80]),
    'x'.repeat(70 * 1024),
    'vmid=100&vmid=101&vmid=102',
  ];
  for (const w of writes) {
    for (const body of bodies) {
      list.push({ method: 'POST', path: `/api2/json${w}`, headers: form, body });
      list.push({ method: 'PUT', path: `/api2/json${w}`, headers: form, body });
    }
    list.push({
      method: 'POST',
      path: `/api2/json${w}`,
      headers: { ...A, 'Content-Type': 'application/json' },
      body: '{"iface": ',
    });
    list.push({
      method: 'POST',
      path: `/api2/json${w}`,
      headers: { ...A, 'Content-Type': 'application/json' },
      body: '[1,2,3]',
    });
    list.push({
      method: 'POST',
      path: `/api2/json${w}`,
      headers: { ...A, 'Content-Type': 'application/json' },
      body: '{"vmid": {"nested": [1, null, true]}, "type": null, "iface": 12.5e400}',
    });
    list.push({
      method: 'POST',
      path: `/api2/json${w}`,
      headers: { ...A, 'Content-Type': 'multipart/form-data; boundary=x' },
      body: '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--x--',
    });
    list.push({ method: 'DELETE', path: `/api2/json${w}`, headers: form, body: 'a=b' });
    list.push({ method: 'PATCH', path: `/api2/json${w}`, headers: A });
    list.push({ method: 'OPTIONS', path: `/api2/json${w}`, headers: A });
  }
  const badAuth = [
    'PVEAPIToken=',
    'PVEAPIToken=root@pam!pxr',
    'PVEAPIToken=root@pam!pxr=',
    `PVEAPIToken=root@pam!pxr=${'x'.repeat(8000)}`,
    'PVEAPIToken=@!=',
    'Basic cm9vdDpwYXNz',
    'PVEAPIToken=root@pam!pxr=\u00e9',
  ];
  for (const a of badAuth) {
    list.push({ method: 'GET', path: '/api2/json/version', headers: { Authorization: a } });
    list.push({
      method: 'POST',
      path: '/api2/json/nodes/pve/network',
      headers: { Authorization: a, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'iface=vmbr9&type=bridge',
    });
  }
  for (const cookie of [
    'PVEAuthCookie=%ZZ',
    'PVEAuthCookie=PVE:root@pam:00000000::AAAA',
    'PVEAuthCookie',
    ';;;=',
  ]) {
    list.push({
      method: 'POST',
      path: '/api2/json/nodes/pve/network',
      headers: {
        Cookie: cookie,
        CSRFPreventionToken: 'garbage',
        'Content-Type': 'application/x-www-form-urlencoded',
      },
      body: 'iface=vmbr9&type=bridge',
    });
  }
  // Seeded random paths: printable and escaped bytes.
  let pos = 12345;
  const rng = createRng(
    () => pos,
    (v) => {
      pos = v;
    },
  );
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789/%{}.-_~!$&'()*+,;=:@";
  for (let i = 0; i < 150; i++) {
    let p = '/api2/json/';
    const len = 1 + Math.floor(rng.next() * 60);
    for (let j = 0; j < len; j++) {
      p +=
        rng.next() < 0.1
          ? `%${Math.floor(rng.next() * 256)
              .toString(16)
              .padStart(2, '0')}`
          : alphabet[Math.floor(rng.next() * alphabet.length)];
    }
    list.push({ method: ['GET', 'POST', 'PUT', 'DELETE'][i % 4] ?? 'GET', path: p, headers: A });
  }
  return list.map(withLength);
}

function rawSocket(port: number, payload: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1', () => sock.end(payload));
    let out = '';
    sock.on('data', (d: Buffer) => (out += d.toString('latin1')));
    sock.on('end', () => resolve(out));
    sock.on('close', () => resolve(out));
    sock.on('error', (err: NodeJS.ErrnoException) =>
      err.code === 'ECONNRESET' ? resolve(out) : reject(err),
    );
  });
}

void describe('fuzzing the simulator', () => {
  let s: StartedSim;
  before(async () => {
    s = await startSim();
  });
  after(() => s.close());

  void test('malformed requests always get an answer and never change the cluster', async () => {
    const before = JSON.stringify(s.sim.snapshot());
    const statuses = new Map<number, number>();
    for (const c of cases(s.authHeader)) {
      let r: Awaited<ReturnType<typeof rawRequest>>;
      try {
        r = await rawRequest(`${s.url}${c.path}`, {
          method: c.method,
          ...(c.headers ? { headers: c.headers } : {}),
          ...(c.body !== undefined ? { body: c.body } : {}),
        });
      } catch (err) {
        // node:http refuses to send some of these itself (invalid header characters).
        assert.match((err as Error).message, /Invalid character|invalid/i, `${c.method} ${c.path}`);
        continue;
      }
      assert.ok(r.status >= 200 && r.status < 600, `${c.method} ${c.path} -> ${r.status}`);
      if (c.method !== 'GET') {
        assert.notEqual(
          r.status,
          200,
          `${c.method} ${c.path.slice(0, 80)} unexpectedly succeeded: ${r.body.slice(0, 200)}`,
        );
      }
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
    }
    assert.equal(JSON.stringify(s.sim.snapshot()), before, 'state changed');
    // Every family of refusal showed up.
    for (const code of [400, 401, 501, 506]) assert.ok(statuses.has(code), `no ${code} seen`);
    assert.equal((await s.api.version.$get()).version, '9.1.3');
  });

  void test('broken HTTP on raw sockets is refused and the server keeps serving', async () => {
    const payloads = [
      'GARBAGE\r\n\r\n',
      'GET /api2/json/version HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n',
      'GET /api2/json/version HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n',
      'POST /api2/json/access/ticket HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nshort',
      `GET /${'a'.repeat(100_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
      'GET /api2/json/version HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n',
    ];
    for (const p of payloads) {
      const out = await rawSocket(s.port, p);
      assert.ok(!out.startsWith('HTTP/1.1 200'), out.slice(0, 100));
    }
    assert.equal((await s.api.version.$get()).version, '9.1.3');
  });
});
