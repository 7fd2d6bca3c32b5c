import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../helpers/wait.js';
import proxmoxApi from 'proxmox-api';
import { ManualClock } from '../../src/core/clock.js';
import type { EndpointDef } from '../../src/sim/types.js';
import { rawRequest, startSim } from '../helpers/sim.js';
import type { StartedSim } from '../helpers/sim.js';

/** A write endpoint guarded by VM.Allocate on /vms/{vmid}, to exercise the privilege check. */
const guarded: EndpointDef = {
  method: 'POST',
  path: '/nodes/{node}/test-guarded/{vmid}',
  params: {
    node: { type: 'string', format: 'pve-node' },
    vmid: { type: 'integer', format: 'pve-vmid' },
  },
  permission: { path: '/vms/{vmid}', privs: ['VM.Allocate'] },
  handler: (): unknown => 'done',
};

function form(body: Record<string, string>): {
  headers: Record<string, string>;
  body: string;
} {
  const text = new URLSearchParams(body).toString();
  return {
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      'Content-Length': String(Buffer.byteLength(text)),
    },
    body: text,
  };
}

void describe('authentication (FACTS §2)', () => {
  let s: StartedSim;
  const clock = new ManualClock(Date.UTC(2026, 3, 1));
  before(async () => {
    s = await startSim({ clock, extraEndpoints: [guarded], users: { 'root@pam': 'secret-pw' } });
  });
  after(() => s.close());

  async function login(): Promise<{ ticket: string; csrf: string }> {
    const f = form({ username: 'root@pam', password: 'secret-pw' });
    const r = await rawRequest(`${s.url}/api2/json/access/ticket`, { method: 'POST', ...f });
    assert.equal(r.status, 200);
    const data = (JSON.parse(r.body) as { data: Record<string, string> }).data;
    assert.equal(data.username, 'root@pam');
    return { ticket: data.ticket ?? '', csrf: data.CSRFPreventionToken ?? '' };
  }

  void test('a ticket has the PVE:<user>:<8 hex>:: form and a CSRF token <8 hex>:<sig>', async () => {
    const { ticket, csrf } = await login();
    assert.match(ticket, /^PVE:root@pam:[0-9A-F]{8}::.+$/);
    assert.match(csrf, /^[0-9A-F]{8}:.+$/);
  });

  void test('the ticket cookie authenticates reads without a CSRF token', async () => {
    const { ticket } = await login();
    const r = await rawRequest(`${s.url}/api2/json/version`, {
      headers: { Cookie: `PVEAuthCookie=${encodeURIComponent(ticket)}` },
    });
    assert.equal(r.status, 200);
  });

  void test('a write with a ticket but no CSRF token is refused with 401 and no body', async () => {
    const { ticket } = await login();
    const r = await rawRequest(`${s.url}/api2/json/nodes/pve/test-guarded/100`, {
      method: 'POST',
      headers: { Cookie: `PVEAuthCookie=${ticket}` },
    });
    assert.equal(r.status, 401);
    assert.equal(r.reason, 'Permission denied - invalid csrf token');
    assert.equal(r.body, '');
    assert.equal(r.headers['content-type'], undefined);
  });

  void test('a write with ticket and CSRF header succeeds', async () => {
    const { ticket, csrf } = await login();
    const r = await rawRequest(`${s.url}/api2/json/nodes/pve/test-guarded/100`, {
      method: 'POST',
      headers: { Cookie: `PVEAuthCookie=${ticket}`, CSRFPreventionToken: csrf },
    });
    assert.equal(r.status, 200);
    assert.equal(r.body, '{"data":"done"}');
  });

  void test('a ticket older than two hours is rejected', async () => {
    const { ticket } = await login();
    clock.advance(2 * 3600 * 1000 + 1000);
    const r = await rawRequest(`${s.url}/api2/json/version`, {
      headers: { Cookie: `PVEAuthCookie=${ticket}` },
    });
    assert.equal(r.status, 401);
    // pve-manager PVE/HTTPServer.pm auth_handler turns every verify_ticket error into this.
    assert.equal(r.reason, 'Authentication failed!');
  });

  void test('a wrong password answers 401 authentication failure', async () => {
    const f = form({ username: 'root@pam', password: 'nope' });
    const r = await rawRequest(`${s.url}/api2/json/access/ticket`, { method: 'POST', ...f });
    assert.equal(r.status, 401);
    assert.equal(r.reason, 'authentication failure');
  });

  void test('an API token on POST /access/ticket answers 403', async () => {
    const f = form({ username: 'root@pam', password: 'secret-pw' });
    const r = await rawRequest(`${s.url}/api2/json/access/ticket`, {
      method: 'POST',
      headers: { ...f.headers, Authorization: s.authHeader },
      body: f.body,
    });
    assert.equal(r.status, 403);
    assert.equal(
      r.reason,
      "URI '/access/ticket' not available with API token, need proper ticket.",
    );
  });

  void test('the proxmox-api client logs in with a password and uses the ticket', async () => {
    const api = proxmoxApi({
      host: '127.0.0.1',
      port: s.port,
      schema: 'http',
      password: 'secret-pw',
    });
    const r = await api.nodes
      .$('pve')
      .tasks.$('UPID:pve:00000001:00000001:00000001:x:1:root@pam:')
      .status.$get()
      .catch((e: Error) => e.message);
    assert.equal(typeof r, 'string');
    assert.match(r as string, /no such task/);
  });

  void test('a token without the privilege gets 403 Permission check failed (path, priv)', async () => {
    const secret = '11111111-2222-4333-8444-555555555555';
    s.sim.state.tokens['root@pam!audit'] = { secret, privs: ['VM.Audit'] };
    const r = await rawRequest(`${s.url}/api2/json/nodes/pve/test-guarded/123`, {
      method: 'POST',
      headers: { Authorization: `PVEAPIToken=root@pam!audit=${secret}` },
    });
    assert.equal(r.status, 403);
    assert.equal(r.reason, 'Permission check failed (/vms/123, VM.Allocate)');
    assert.deepEqual(JSON.parse(r.body), {
      data: null,
      message: 'Permission check failed (/vms/123, VM.Allocate)\n',
    });
    s.sim.state.tokens['root@pam!audit'] = { secret, privs: ['VM.Allocate'] };
    const ok = await rawRequest(`${s.url}/api2/json/nodes/pve/test-guarded/123`, {
      method: 'POST',
      headers: { Authorization: `PVEAPIToken=root@pam!audit=${secret}` },
    });
    assert.equal(ok.status, 200);
  });
});

void describe('authentication failure delay', () => {
  void test('401 answers wait authFailureDelayMs on the sim clock', async () => {
    const clock = new ManualClock();
    const s = await startSim({ clock, authFailureDelayMs: 3000 });
    try {
      let done = false;
      const p = rawRequest(`${s.url}/api2/json/version`).then((r) => {
        done = true;
        return r;
      });
      // Wait until the request is parked on the clock, then release it.
      await waitFor('the request parked on the clock', () => clock.pending() > 0, 20_000, 0);
      assert.equal(done, false);
      clock.advance(3000);
      const r = await p;
      assert.equal(r.status, 401);
    } finally {
      await s.close();
    }
  });
});
