/** `pxr sim`: what it prints, HTTPS with a pinnable fingerprint, bad arguments and bad state files. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../helpers/wait.js';
import { PassThrough } from 'node:stream';
import { request } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSimCommand } from '../../src/sim/cli.js';

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let buf = '';
  stream.on('data', (d: Buffer) => (buf += d.toString()));
  return { stream, text: () => buf };
}

function getTls(
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: string; fingerprint: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, rejectUnauthorized: false }, (res) => {
      const fp = (res.socket as TLSSocket).getPeerCertificate().fingerprint256;
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, fingerprint: fp }));
    });
    req.on('error', reject);
    req.end();
  });
}

void describe('pxr sim', () => {
  void test('prints URL, token and a curl example, serves HTTPS with the printed fingerprint, stops on abort', async () => {
    const out = capture();
    const err = capture();
    const ac = new AbortController();
    const secret = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
    const run = runSimCommand(
      [
        '--listen',
        '127.0.0.1:0',
        '--tls',
        '--nodes',
        'pve1,pve2',
        '--token',
        `root@pam!ci=${secret}`,
      ],
      { stdout: out.stream, stderr: err.stream },
      { signal: ac.signal },
    );
    await waitFor('the example printed', () => out.text().includes('example:'));
    const text = out.text();
    const url = /listening on (https:\/\/127\.0\.0\.1:\d+)\/api2\/json/.exec(text)?.[1];
    assert.ok(url, text);
    assert.match(text, /token id: +root@pam!ci/);
    assert.match(text, new RegExp(`token secret: +${secret}`));
    assert.match(text, /nodes: +pve1, pve2/);
    assert.match(text, /curl -k -H 'Authorization: PVEAPIToken=root@pam!ci=/);
    const fp = /fingerprint: ([0-9A-F:]{95})/.exec(text)?.[1];
    assert.ok(fp, text);
    const r = await getTls(`${url}/api2/json/version`, {
      Authorization: `PVEAPIToken=root@pam!ci=${secret}`,
    });
    assert.equal(r.status, 200);
    assert.equal(r.fingerprint, fp);
    ac.abort();
    assert.equal(await run, 0);
    assert.equal(err.text(), '');
  });

  void test('a failed authentication is answered after 3 s by default (as pveproxy), at once with --auth-failure-delay-ms 0', async () => {
    const timed401 = async (args: string[]): Promise<number> => {
      const out = capture();
      const ac = new AbortController();
      const run = runSimCommand(
        ['--listen', '127.0.0.1:0', ...args],
        {
          stdout: out.stream,
          stderr: capture().stream,
        },
        { signal: ac.signal },
      );
      await waitFor('the example printed', () => out.text().includes('example:'));
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+\/api2\/json)/.exec(out.text())?.[1];
      assert.ok(url, out.text());
      const t0 = performance.now();
      const res = await fetch(`${url}/version`, {
        headers: { Authorization: 'PVEAPIToken=root@pam!x=wrong' },
      });
      const elapsed = performance.now() - t0;
      assert.equal(res.status, 401);
      ac.abort();
      assert.equal(await run, 0);
      return elapsed;
    };
    assert.ok((await timed401([])) >= 2900, 'delayed by default');
    assert.ok((await timed401(['--auth-failure-delay-ms', '0'])) < 2000, 'not delayed with 0');
  });

  void test('an unknown option exits 2 with the usage', async () => {
    const out = capture();
    const err = capture();
    const code = await runSimCommand(['--frobnicate'], { stdout: out.stream, stderr: err.stream });
    assert.equal(code, 2);
    assert.match(err.text(), /unknown option '--frobnicate'/);
    assert.match(err.text(), /usage: pxr sim/);
  });

  void test('a corrupt --state file exits 1 with a clear message', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pxr-sim-cli-'));
    try {
      const path = join(dir, 'state.json');
      writeFileSync(path, 'not json');
      const out = capture();
      const err = capture();
      const code = await runSimCommand(['--listen', '127.0.0.1:0', '--state', path], {
        stdout: out.stream,
        stderr: err.stream,
      });
      assert.equal(code, 1);
      assert.match(err.text(), /is not valid JSON; refusing to start/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
