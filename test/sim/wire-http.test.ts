/**
 * Authorization header parsing and request-body handling as pveproxy does them, checked on the wire
 * with raw node:http requests (the proxmox-api client always sends one fixed header form).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/core/clock.js';
import { rawRequest, startSim } from '../helpers/sim.js';
import type { RawResponse, StartedSim } from '../helpers/sim.js';
import { waitFor } from '../helpers/wait.js';

function form(
  text: string,
  extra: Record<string, string> = {},
): {
  headers: Record<string, string>;
  body: string;
} {
  return {
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      'Content-Length': String(Buffer.byteLength(text)),
      ...extra,
    },
    body: text,
  };
}

void describe('Authorization header (pve-http-server Formatter.pm extract_auth_value)', () => {
  let s: StartedSim;
  let ticket: string;
  before(async () => {
    s = await startSim({ users: { 'root@pam': 'pw' } });
    const r = await rawRequest(`${s.url}/api2/json/access/ticket`, {
      method: 'POST',
      ...form('username=root@pam&password=pw'),
    });
    ticket = (JSON.parse(r.body) as { data: { ticket: string } }).data.ticket;
  });
  after(() => s.close());

  const version = (authz: Record<string, string>): Promise<RawResponse> =>
    rawRequest(`${s.url}/api2/json/version`, { headers: authz });

  // extract_auth_value: /(?:^|\s)PVEAPIToken(?:=| )([^;]*)/, then uri_unescape.
  void test('PVEAPIToken may be followed by a space instead of =', async () => {
    const r = await version({ Authorization: `PVEAPIToken ${s.tokenId}=${s.tokenSecret}` });
    assert.equal(r.status, 200);
  });

  // pve-access-control PVE/AccessControl.pm verify_token: /^(.*)=(.*)$/ or "no tokenid specified",
  // which pve-manager PVE/HTTPServer.pm auth_handler answers as "Authentication failed!".
  void test('token id and secret must be separated by =, a space fails authentication', async () => {
    const r = await version({ Authorization: `PVEAPIToken=${s.tokenId} ${s.tokenSecret}` });
    assert.equal(r.status, 401);
    assert.equal(r.reason, 'Authentication failed!');
    assert.equal(r.body, '');
  });

  void test('a malformed token value is "Authentication failed!", not "No ticket"', async () => {
    for (const bad of ['PVEAPIToken=garbage', 'PVEAPIToken=root@pam=x', 'PVEAPIToken=@!=']) {
      const r = await version({ Authorization: bad });
      assert.equal(r.status, 401, bad);
      assert.equal(r.reason, 'Authentication failed!', bad);
    }
  });

  void test('the token value is URI-unescaped', async () => {
    const enc = encodeURIComponent(`${s.tokenId}=${s.tokenSecret}`);
    const r = await version({ Authorization: `PVEAPIToken=${enc}` });
    assert.equal(r.status, 200);
  });

  // AnyEvent.pm authenticate_and_handle_request: "fallback to cookie in 'Authorization' header".
  void test('the Authorization header may carry PVEAuthCookie=<ticket> or PVEAuthCookie <ticket>', async () => {
    assert.equal((await version({ Authorization: `PVEAuthCookie=${ticket}` })).status, 200);
    assert.equal((await version({ Authorization: `PVEAuthCookie ${ticket}` })).status, 200);
    const enc = `PVEAuthCookie=${encodeURIComponent(ticket)}`;
    assert.equal((await version({ Authorization: enc })).status, 200);
  });

  void test('a ticket wins over an API token: a bad cookie with a good token fails', async () => {
    const r = await version({
      Cookie: 'PVEAuthCookie=PVE:root@pam:00000000::AAAA',
      Authorization: s.authHeader,
    });
    assert.equal(r.status, 401);
    assert.equal(r.reason, 'Authentication failed!');
  });

  void test('the cookie name must start the header or follow whitespace', async () => {
    const r = await version({ Cookie: `a=b;PVEAuthCookie=${ticket}` });
    assert.equal(r.status, 401);
    assert.equal(r.reason, 'No ticket');
    assert.equal((await version({ Cookie: `a=b; PVEAuthCookie=${ticket}` })).status, 200);
  });
});

void describe('request bodies (pve-http-server PVE/APIServer/AnyEvent.pm)', () => {
  let s: StartedSim;
  before(async () => {
    s = await startSim({ users: { 'root@pam': 'pw' } });
  });
  after(() => s.close());

  const plainError = (r: RawResponse, status: number, msg: string): void => {
    assert.equal(r.status, status);
    assert.equal(r.reason, msg);
    // AnyEvent.pm `error`: the message is the body too, with no content type.
    assert.equal(r.body, msg);
    assert.equal(r.headers['content-type'], undefined);
    assert.equal(r.headers.connection, 'close');
  };

  // process_header: any Transfer-Encoding is refused before authentication.
  void test('chunked transfer encoding answers 501, even without credentials', async () => {
    const r = await rawRequest(`${s.url}/api2/json/access/ticket`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        'Transfer-Encoding': 'chunked',
      },
      body: 'username=root@pam&password=pw',
    });
    plainError(r, 501, 'chunked transfer encoding not supported');
  });

  // authenticate_and_handle_request: the Content-Length checks come after auth_handler.
  void test('a body on GET/DELETE is checked after authentication and answers 501 as text', async () => {
    const noAuth = await rawRequest(`${s.url}/api2/json/version`, {
      method: 'DELETE',
      ...form('a=b'),
    });
    assert.equal(noAuth.status, 401);
    const r = await rawRequest(`${s.url}/api2/json/version`, {
      method: 'DELETE',
      ...form('a=b', { Authorization: s.authHeader }),
    });
    plainError(r, 501, "Unexpected content for method 'DELETE'");
  });

  void test('a Content-Type other than form or JSON answers 506', async () => {
    const r = await rawRequest(`${s.url}/api2/json/nodes/pve/network`, {
      method: 'POST',
      headers: {
        Authorization: s.authHeader,
        'Content-Type': 'text/plain',
        'Content-Length': '11',
      },
      body: 'iface=vmbr9',
    });
    plainError(r, 506, "upload 'Content-Type 'text/plain' not implemented");
    assert.equal(s.sim.snapshot().nodes.pve?.network.pending ?? null, null);
  });

  void test('parse_content_type drops parameters: JSON with a charset is accepted', async () => {
    const body = JSON.stringify({ username: 'root@pam', password: 'pw' });
    const r = await rawRequest(`${s.url}/api2/json/access/ticket`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json; charset=utf-8',
        'Content-Length': String(body.length),
      },
      body,
    });
    assert.equal(r.status, 200);
  });

  // $limit_max_post = 512 * 1024 since libpve-http-server-perl 5.2.1 (fix #6230), answered
  // `501 for data too large` from the Content-Length alone.
  void test('bodies up to 512 KiB are read; larger ones answer 501 for data too large', async () => {
    const big = `username=root@pam&password=${'x'.repeat(400 * 1024)}`;
    const ok = await rawRequest(`${s.url}/api2/json/access/ticket`, {
      method: 'POST',
      ...form(big),
    });
    assert.equal(ok.status, 401);
    assert.equal(ok.reason, 'authentication failure');
    const tooBig = `username=root@pam&password=${'x'.repeat(512 * 1024)}`;
    const r = await rawRequest(`${s.url}/api2/json/access/ticket`, {
      method: 'POST',
      ...form(tooBig),
    });
    plainError(r, 501, 'for data too large');
  });
});

void describe('failed logins are delayed (AnyEvent.pm handle_api2_request)', () => {
  // "always delay unauthorized calls by 3 seconds": every 401, a handler's included.
  void test('POST /access/ticket with a wrong password waits the 3 s too', async () => {
    const clock = new ManualClock(Date.UTC(2026, 3, 1));
    const s = await startSim({ clock, authFailureDelayMs: 3000, users: { 'root@pam': 'pw' } });
    try {
      let done = false;
      const p = rawRequest(`${s.url}/api2/json/access/ticket`, {
        method: 'POST',
        ...form('username=root@pam&password=wrong'),
      }).then((r) => {
        done = true;
        return r;
      });
      await waitFor('the login parked on the sim clock', () => clock.pending() > 0);
      assert.equal(done, false);
      clock.advance(3000);
      const r = await p;
      assert.equal(r.status, 401);
      assert.equal(r.reason, 'authentication failure');
    } finally {
      await s.close();
    }
  });
});
