/**
 * A third-party client against `pxr sim`: Debian's python3-proxmoxer creates, starts, stops and
 * destroys a VM over HTTPS with an API token, polling each task as its users do. Skipped without a
 * Python that imports proxmoxer, except in CI (.ci/run installs python3-proxmoxer).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import { runSimCommand } from '../../../src/sim/cli.js';
import { waitFor } from '../../helpers/wait.js';

const run = promisify(execFile);

/** Debian's interpreter first: another python3 on PATH (pyenv) does not see Debian's modules. */
async function pythonWithProxmoxer(): Promise<string | undefined> {
  for (const py of ['/usr/bin/python3', 'python3']) {
    try {
      await run(py, ['-c', 'import proxmoxer, requests']);
      return py;
    } catch {
      // next
    }
  }
  return undefined;
}

const SCRIPT = String.raw`
import sys, time, warnings
warnings.filterwarnings("ignore")
from proxmoxer import ProxmoxAPI

port, secret = int(sys.argv[1]), sys.argv[2]
px = ProxmoxAPI("127.0.0.1", port=port, user="root@pam", token_name="ci",
                token_value=secret, verify_ssl=False, backend="https")
node = px.nodes("pve")

def wait(upid):
    for _ in range(600):
        st = node.tasks(upid).status.get()
        if st["status"] == "stopped":
            assert st["exitstatus"] == "OK", st
            return
        time.sleep(0.05)
    raise SystemExit("task did not end: " + upid)

vmid = int(px.cluster.nextid.get())
wait(node.qemu.post(vmid=vmid, name="from-proxmoxer", memory=512, cores=1,
                    scsi0="local-lvm:2", net0="virtio,bridge=vmbr0"))
conf = node.qemu(vmid).config.get()
assert conf["name"] == "from-proxmoxer", conf
wait(node.qemu(vmid).status.start.post())
assert node.qemu(vmid).status.current.get()["status"] == "running"
wait(node.qemu(vmid).status.stop.post())
assert node.qemu(vmid).status.current.get()["status"] == "stopped"
wait(node.qemu(vmid).delete(purge=1))
assert all(v["vmid"] != vmid for v in node.qemu.get())
print("OK", vmid)
`;

void test('proxmoxer creates, starts, stops and destroys a VM against pxr sim', async (t) => {
  const py = await pythonWithProxmoxer();
  if (!py) {
    if (process.env['CI']) assert.fail('python3-proxmoxer is not installed (.ci/run installs it)');
    t.skip('no python3 with proxmoxer');
    return;
  }
  const out = new PassThrough();
  let text = '';
  out.on('data', (d: Buffer) => (text += d.toString()));
  const ac = new AbortController();
  const secret = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
  const sim = runSimCommand(
    [
      '--listen',
      '127.0.0.1:0',
      '--tls',
      '--task-time-scale',
      '0.01',
      '--token',
      `root@pam!ci=${secret}`,
    ],
    { stdout: out, stderr: new PassThrough() },
    { signal: ac.signal },
  );
  try {
    await waitFor('pxr sim printed its URL', () =>
      /listening on https:\/\/127\.0\.0\.1:\d+/.test(text),
    );
    const port = /listening on https:\/\/127\.0\.0\.1:(\d+)/.exec(text)?.[1] ?? '';
    const r = await run(py, ['-c', SCRIPT, port, secret], { timeout: 120_000 });
    assert.match(r.stdout, /^OK \d+/);
  } finally {
    ac.abort();
    await sim;
  }
});
