import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rawRequest, startSim } from '../helpers/sim.js';
import type { StartedSim } from '../helpers/sim.js';

void describe('wire format (FACTS §1)', () => {
  let s: StartedSim;
  let auth: Record<string, string>;
  before(async () => {
    s = await startSim();
    auth = { Authorization: s.authHeader };
  });
  after(() => s.close());

  void test('success answers carry the exact content type and a {"data":...} envelope', async () => {
    const r = await rawRequest(`${s.url}/api2/json/version`, { headers: auth });
    assert.equal(r.status, 200);
    assert.equal(r.reason, 'OK');
    assert.equal(r.headers['content-type'], 'application/json;charset=UTF-8');
    assert.deepEqual(Object.keys(JSON.parse(r.body) as object), ['data']);
    assert.match(r.body, /^\{"data":\{"release":"9\.1"/);
  });

  void test('booleans go out as 0/1 integers', async () => {
    const r = await rawRequest(`${s.url}/api2/json/nodes/pve/storage`, { headers: auth });
    const data = (JSON.parse(r.body) as { data: Record<string, unknown>[] }).data;
    assert.ok(data.length > 0);
    for (const st of data) {
      assert.equal(st.active, 1);
      assert.equal(st.shared, 0);
    }
  });

  void test('a request without credentials gets 401 No ticket with no body and no content type', async () => {
    const r = await rawRequest(`${s.url}/api2/json/version`);
    assert.equal(r.status, 401);
    assert.equal(r.reason, 'No ticket');
    assert.equal(r.headers['content-type'], undefined);
    assert.equal(r.body, '');
  });

  void test('a wrong token secret gets 401 with no body', async () => {
    const r = await rawRequest(`${s.url}/api2/json/version`, {
      headers: { Authorization: `PVEAPIToken=${s.tokenId}=00000000-0000-0000-0000-000000000000` },
    });
    assert.equal(r.status, 401);
    assert.equal(r.body, '');
    assert.equal(r.headers['content-type'], undefined);
  });

  void test('an unknown route answers 501 Method ... not implemented', async () => {
    const r = await rawRequest(`${s.url}/api2/json/foo`, { headers: auth });
    assert.equal(r.status, 501);
    assert.equal(r.reason, "Method 'GET /foo' not implemented");
    assert.equal(r.headers['content-type'], 'application/json;charset=UTF-8');
    assert.equal(r.body, '{"data":null,"message":"Method \'GET /foo\' not implemented\\n"}');
  });

  void test('empty path fragments are skipped, as RESTHandler::find_handler does', async () => {
    const r = await rawRequest(`${s.url}/api2/json//nodes//pve/status/`, { headers: auth });
    assert.equal(r.status, 200);
  });

  void test('a known path with another method answers 501 too', async () => {
    const r = await rawRequest(`${s.url}/api2/json/version`, { method: 'DELETE', headers: auth });
    assert.equal(r.status, 501);
    assert.equal(r.reason, "Method 'DELETE /version' not implemented");
  });

  void test('parameter errors answer 400 Parameter verification failed. with errors per parameter', async () => {
    const r = await rawRequest(`${s.url}/api2/json/nodes/pve/tasks?limit=abc&bogus=1`, {
      headers: auth,
    });
    assert.equal(r.status, 400);
    assert.equal(r.reason, 'Parameter verification failed.');
    assert.equal(r.headers['content-type'], 'application/json;charset=UTF-8');
    assert.deepEqual(JSON.parse(r.body), {
      data: null,
      errors: {
        limit: "type check ('integer') failed - got 'abc'",
        bogus:
          'property is not defined in schema and the schema does not allow additional properties',
      },
      message: 'Parameter verification failed.\n',
    });
  });

  void test('an unknown node answers 500 with the hostname lookup error as reason phrase', async () => {
    const r = await rawRequest(`${s.url}/api2/json/nodes/nope/status`, { headers: auth });
    assert.equal(r.status, 500);
    const msg =
      "hostname lookup 'nope' failed - failed to get address info for: nope: Name or service not known";
    assert.equal(r.reason, msg);
    assert.deepEqual(JSON.parse(r.body), { data: null, message: `${msg}\n` });
  });

  void test('a handler die is a 500 whose reason is the first message line', async () => {
    const r = await rawRequest(`${s.url}/api2/json/nodes/pve/storage/nope/content`, {
      headers: auth,
    });
    assert.equal(r.status, 500);
    assert.equal(r.reason, "storage 'nope' does not exist");
    assert.equal(JSON.parse(r.body).message, "storage 'nope' does not exist\n");
  });

  void test('list endpoints add total next to data', async () => {
    const r = await rawRequest(`${s.url}/api2/json/nodes/pve/tasks?source=all`, { headers: auth });
    assert.deepEqual(JSON.parse(r.body), { data: [], total: 0 });
  });

  void test('the proxmox-api client accepts the answers', async () => {
    const v = await s.api.version.$get();
    assert.equal(v.version, '9.1.3');
  });
});
