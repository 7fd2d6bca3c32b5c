/**
 * Settings that are accepted but unsafe are said aloud (plain http with a token, a secret file others
 * can read, TLS options that do nothing over http); a token id pasted with its secret is refused
 * without echoing the secret; `pxr run --help` documents every flag.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig, SETTINGS, type ResolveInput } from '../../src/cli/config.js';
import { readSecretFileSync, secretFileMode } from '../../src/cli/secret-file.js';
import { runCli } from '../helpers/cli.js';

const SECRET = '0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d';
const FP = Array.from({ length: 32 }, () => 'AB').join(':');

function pve(over: Partial<ResolveInput> = {}): ResolveInput {
  return {
    flags: {},
    env: { PXR_PVE_TOKEN_ID: 'pxr@pve!ctl', PXR_PVE_TOKEN_SECRET: SECRET },
    readFile: () => `${SECRET}\n`,
    needPve: true,
    ...over,
  };
}

describe('pxr run settings that work but are unsafe', () => {
  test('a plain http:// Proxmox URL warns that the token crosses the network unencrypted', () => {
    const c = resolveConfig(pve({ flags: { pveUrl: 'http://pve1.lan:8006' } }));
    assert.equal(c.pve?.url, 'http://pve1.lan:8006');
    assert.equal(c.warnings.length, 1);
    assert.match(
      c.warnings[0]!,
      /^--pve-url: 'http:\/\/pve1\.lan:8006' is plain http.*unencrypted/,
    );
    assert.ok(!c.warnings[0]!.includes(SECRET));
    assert.deepEqual(
      resolveConfig(pve({ flags: { pveUrl: 'https://pve1.lan:8006' } })).warnings,
      [],
    );
  });

  test('--pve-fingerprint, --pve-ca-file and --pve-insecure with http:// say they do nothing', () => {
    const c = resolveConfig(
      pve({
        flags: { pveUrl: 'http://pve1.lan:8006', pveFingerprint: FP, pveCaFile: '/ca.pem' },
      }),
    );
    assert.ok(
      c.warnings.some((w) =>
        /^--pve-fingerprint, --pve-ca-file: no effect with an http:\/\/ --pve-url/.test(w),
      ),
      c.warnings.join('\n'),
    );
  });

  test('a token id given as ID=SECRET is refused without the secret in the message', () => {
    assert.throws(
      () =>
        resolveConfig(
          pve({ flags: { pveUrl: 'https://pve:8006', pveTokenId: `pxr@pve!ctl=${SECRET}` } }),
        ),
      (err: Error) => {
        assert.ok(!err.message.includes(SECRET), err.message);
        assert.ok(!err.message.includes(SECRET.slice(0, 8)), err.message);
        assert.match(err.message, /^--pve-token-id: 'pxr@pve!ctl=…' contains '='/);
        return true;
      },
    );
  });

  test('a secret file readable by others is accepted with a warning naming it and chmod 600', () => {
    const flags = { pveUrl: 'https://pve:8006', pveTokenSecretFile: 'secrets/pve-token' };
    const open = resolveConfig(pve({ flags, fileMode: () => 0o100644 }));
    assert.equal(open.pve?.tokenSecret, SECRET);
    assert.deepEqual(open.warnings, [
      "--pve-token-secret-file: 'secrets/pve-token' is readable by group or others (mode 0644); run chmod 600 on it",
    ]);
    assert.deepEqual(resolveConfig(pve({ flags, fileMode: () => 0o100600 })).warnings, []);
  });

  test('a secret file must be a regular file: a directory is refused; the mode read is the file mode', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pxr-secret-'));
    try {
      mkdirSync(join(dir, 'adir'));
      assert.throws(
        () => readSecretFileSync(join(dir, 'adir')),
        (err: NodeJS.ErrnoException) => err.code === 'ENOTREG',
      );
      assert.throws(
        () =>
          resolveConfig(
            pve({
              env: { PXR_PVE_TOKEN_ID: 'pxr@pve!ctl' },
              flags: { pveUrl: 'https://pve:8006', pveTokenSecretFile: 'adir' },
              readFile: () => readSecretFileSync(join(dir, 'adir')),
            }),
          ),
        (err: Error) =>
          /^--pve-token-secret-file: cannot read 'adir': not a regular file$/.test(err.message),
      );
      const file = join(dir, 'token');
      writeFileSync(file, SECRET);
      chmodSync(file, 0o644);
      assert.equal((secretFileMode(file) ?? 0) & 0o777, 0o644);
      assert.equal(readSecretFileSync(file), SECRET);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('pxr run --help', () => {
  test('lists every flag with a description', async () => {
    const r = await runCli(['run', '--help'], tmpdir());
    assert.equal(r.code, 0);
    const flags = ['--sim', '--sim-state', '--pretty', '--config', '--help'];
    for (const s of SETTINGS) if (s.flag) flags.push(`--${s.flag}`);
    for (const f of flags) {
      const line = r.out.split('\n').find((l) => new RegExp(`^\\s+(-h, )?${f}\\b`).test(l));
      assert.ok(line, `${f} is listed:\n${r.out}`);
      assert.match(line, new RegExp(`${f}\\S*(\\s\\S+)?\\s{2,}\\w`), `${f} has a description`);
    }
    assert.match(r.out, /PXR_PVE_TOKEN_SECRET:/);
  });
});
