import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { translateFailure, type FailedCall } from '../../src/pve/errors.js';

const base = {
  method: 'PUT',
  route: '/nodes/{node}/network/{iface}',
  path: '/nodes/pve/network/vmbr9',
};
function body(message: string, errors?: Record<string, string>): string {
  return JSON.stringify({ data: null, message, ...(errors ? { errors } : {}) });
}

describe('Proxmox error translation', () => {
  const table: {
    name: string;
    f: Omit<FailedCall, keyof typeof base>;
    code: string;
    retryable: boolean;
    msg: string;
  }[] = [
    {
      name: 'a missing interface is NOT_FOUND, not retryable',
      f: {
        status: 400,
        statusText: 'Parameter verification failed.',
        body: body('Parameter verification failed.\n', { iface: 'interface does not exist\n' }),
      },
      code: 'NOT_FOUND',
      retryable: false,
      msg: 'Parameter verification failed.',
    },
    {
      name: 'a param error is PARAM, not retryable',
      f: {
        status: 400,
        statusText: 'Parameter verification failed.',
        body: body('Parameter verification failed.\n', {
          bridge_ports: "eno1 is already used on interface 'vmbr0'.\n",
        }),
      },
      code: 'PARAM',
      retryable: false,
      msg: 'Parameter verification failed.',
    },
    {
      name: 'a digest mismatch is DIGEST_MISMATCH, retryable',
      f: {
        status: 500,
        statusText: 'detected modified configuration - file changed by other user? Try again.',
        body: body('detected modified configuration - file changed by other user? Try again.\n'),
      },
      code: 'DIGEST_MISMATCH',
      retryable: true,
      msg: 'detected modified configuration - file changed by other user? Try again.',
    },
    {
      name: 'a held lock is LOCKED, retryable',
      f: {
        status: 500,
        statusText: "can't lock file '/run/lock/lxc/pve-config-100.lock' - got timeout",
        body: body("can't lock file '/run/lock/lxc/pve-config-100.lock' - got timeout\n"),
      },
      code: 'LOCKED',
      retryable: true,
      msg: "can't lock file '/run/lock/lxc/pve-config-100.lock' - got timeout",
    },
    {
      name: 'an unreachable node (595, empty body) is UNREACHABLE, retryable',
      f: { status: 595, statusText: 'Connection refused' },
      code: 'UNREACHABLE',
      retryable: true,
      msg: 'Connection refused',
    },
    {
      name: 'a token without privilege is PERMISSION',
      f: {
        status: 403,
        statusText: 'Permission check failed (/nodes/pve, Sys.Modify)',
        body: body('Permission check failed (/nodes/pve, Sys.Modify)\n'),
      },
      code: 'PERMISSION',
      retryable: false,
      msg: 'Permission check failed (/nodes/pve, Sys.Modify)',
    },
    {
      name: 'a bad token (401, no body) is AUTH',
      f: { status: 401, statusText: 'No ticket', body: '' },
      code: 'AUTH',
      retryable: false,
      msg: 'No ticket',
    },
    {
      name: 'an unknown node is NOT_FOUND',
      f: {
        status: 500,
        statusText:
          "hostname lookup 'nope' failed - failed to get address info for: nope: Name or service not known",
        body: body(
          "hostname lookup 'nope' failed - failed to get address info for: nope: Name or service not known\n",
        ),
      },
      code: 'NOT_FOUND',
      retryable: false,
      msg: "hostname lookup 'nope' failed - failed to get address info for: nope: Name or service not known",
    },
    {
      name: 'an unimplemented method is NOT_IMPLEMENTED',
      f: {
        status: 501,
        statusText: "Method 'GET /foo' not implemented",
        body: body("Method 'GET /foo' not implemented\n"),
      },
      code: 'NOT_IMPLEMENTED',
      retryable: false,
      msg: "Method 'GET /foo' not implemented",
    },
    {
      name: 'any other die is SERVER, not retryable',
      f: { status: 500, statusText: 'no options specified', body: body('no options specified\n') },
      code: 'SERVER',
      retryable: false,
      msg: 'no options specified',
    },
    {
      name: 'a non-JSON body falls back to the status line',
      f: { status: 502, statusText: 'Bad Gateway', body: '<html>bad gateway</html>' },
      code: 'SERVER',
      retryable: true,
      msg: 'Bad Gateway',
    },
  ];
  for (const row of table) {
    test(row.name, () => {
      const e = translateFailure({ ...base, ...row.f });
      assert.equal(e.code, row.code);
      assert.equal(e.retryable, row.retryable);
      assert.equal(e.pveMessage, row.msg);
      assert.equal(e.status, row.f.status);
      assert.equal(e.route, base.route);
      assert.equal(e.path, base.path);
      assert.match(e.message, new RegExp(`^PUT /nodes/pve/network/vmbr9: ${row.f.status} `));
    });
  }

  test('param errors are kept per parameter and named in the message', () => {
    const e = translateFailure({
      ...base,
      status: 400,
      statusText: 'Parameter verification failed.',
      body: body('Parameter verification failed.\n', {
        mtu: 'value must have a minimum value of 1280\n',
      }),
    });
    assert.deepEqual(e.paramErrors, { mtu: 'value must have a minimum value of 1280\n' });
    assert.match(e.message, /\(mtu: value must have a minimum value of 1280\)$/);
  });
});
