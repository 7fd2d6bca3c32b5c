import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatUpid, isTaskSuccess, parseUpid } from '../../src/pve/upid.js';

describe('UPID parsing and formatting', () => {
  const cases: {
    upid: string;
    node: string;
    type: string;
    id: string;
    user: string;
    pid: number;
  }[] = [
    {
      upid: 'UPID:pve:000A1B2C:0001E240:6744F1A0:srvreload:networking:root@pam!pxr:',
      node: 'pve',
      type: 'srvreload',
      id: 'networking',
      user: 'root@pam!pxr',
      pid: 0xa1b2c,
    },
    {
      upid: 'UPID:node-2:00000001:00000002:00000003:vzcreate:100:root@pam:',
      node: 'node-2',
      type: 'vzcreate',
      id: '100',
      user: 'root@pam',
      pid: 1,
    },
    {
      // pstart may have 9 hex digits on long-running hosts; the id may be empty.
      upid: 'UPID:pve:00000001:1000000AB:00000003:aptupdate::root@pam:',
      node: 'pve',
      type: 'aptupdate',
      id: '',
      user: 'root@pam',
      pid: 1,
    },
  ];
  for (const c of cases) {
    test(`parses ${c.type} UPIDs into their fields`, () => {
      const u = parseUpid(c.upid);
      assert.ok(u);
      assert.equal(u.node, c.node);
      assert.equal(u.type, c.type);
      assert.equal(u.id, c.id);
      assert.equal(u.user, c.user);
      assert.equal(u.pid, c.pid);
    });
  }

  test('format is the inverse of parse for 8-digit fields', () => {
    const upid = cases[0]!.upid;
    assert.equal(formatUpid(parseUpid(upid)!), upid);
    assert.equal(
      formatUpid({
        node: 'pve',
        pid: 255,
        pstart: 16,
        starttime: 1700000000,
        type: 'vzstart',
        id: '101',
        user: 'root@pam!pxr',
      }),
      'UPID:pve:000000FF:00000010:6553F100:vzstart:101:root@pam!pxr:',
    );
  });

  for (const bad of [
    '',
    'UPID:pve:000A1B2C:0001E240:6744F1A0:srvreload:networking:root@pam', // no trailing colon
    'UPID:-pve:00000001:00000002:00000003:x:y:root@pam:',
    'UPID:pve:1:2:3:x:y:root@pam:',
    'PID:pve:00000001:00000002:00000003:x:y:root@pam:',
  ]) {
    test(`rejects malformed UPID ${JSON.stringify(bad)}`, () => {
      assert.equal(parseUpid(bad), undefined);
    });
  }

  test('OK and WARNINGS: n are successes, anything else is a failure', () => {
    assert.equal(isTaskSuccess('OK'), true);
    assert.equal(isTaskSuccess('WARNINGS: 1'), true);
    assert.equal(isTaskSuccess('WARNINGS: x'), false);
    assert.equal(isTaskSuccess('unexpected status'), false);
    assert.equal(isTaskSuccess('command ifreload -a failed: exit code 1'), false);
  });
});
