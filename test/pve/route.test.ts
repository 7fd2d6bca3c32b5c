import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { apiPath, pathSegment, routeTemplate } from '../../src/pve/route.js';

describe('route templates', () => {
  const table: [string, string][] = [
    ['/version', '/version'],
    ['/nodes', '/nodes'],
    ['/nodes/pve/network', '/nodes/{node}/network'],
    ['/nodes/pve/network/vmbr1', '/nodes/{node}/network/{iface}'],
    ['/nodes/pve/lxc/100/config', '/nodes/{node}/lxc/{vmid}/config'],
    ['/nodes/pve/lxc/100/status/current', '/nodes/{node}/lxc/{vmid}/status/current'],
    [
      '/nodes/pve/tasks/UPID:pve:00000001:00000002:00000003:srvreload:networking:root@pam!pxr:/status',
      '/nodes/{node}/tasks/{upid}/status',
    ],
    ['/cluster/firewall/rules/3', '/cluster/firewall/rules/{pos}'],
    ['/cluster/firewall/groups/web/2', '/cluster/firewall/groups/{group}/{pos}'],
    ['/cluster/firewall/ipset/lan/10.0.0.0%2F24', '/cluster/firewall/ipset/{name}/{cidr}'],
    [
      '/nodes/pve/storage/local/content/local:vztmpl/debian.tar.zst',
      '/nodes/{node}/storage/{storage}/content/{volume}',
    ],
    ['/cluster/resources', '/cluster/resources'],
  ];
  for (const [path, tpl] of table) {
    test(`${path} counts as ${tpl}`, () => assert.equal(routeTemplate(path), tpl));
  }

  test('path segments keep UPID characters raw and escape slashes', () => {
    const upid = 'UPID:pve:00000001:00000002:00000003:srvreload:networking:root@pam!pxr:';
    assert.equal(pathSegment(upid), upid);
    assert.equal(pathSegment('10.0.0.0/24'), '10.0.0.0%2F24');
    assert.equal(
      apiPath('/nodes/{node}/network/{iface}', { node: 'pve', iface: 'vmbr1' }),
      '/nodes/pve/network/vmbr1',
    );
    assert.throws(() => apiPath('/nodes/{node}', {}), /missing value for \{node\}/);
  });
});
