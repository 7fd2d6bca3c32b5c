import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, resolveConfig, type ResolveInput } from '../../src/cli/config.js';
import { parseDuration } from '../../src/cli/duration.js';

const SECRET = '0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d';
function input(over: Partial<ResolveInput> = {}): ResolveInput {
  return {
    flags: {},
    env: {},
    readFile: () => {
      throw Object.assign(new Error('nope'), { code: 'ENOENT' });
    },
    needPve: false,
    ...over,
  };
}

describe('config resolution', () => {
  test('defaults match the README', () => {
    const c = resolveConfig(input());
    assert.equal(c.manifests, './manifests');
    assert.equal(c.db, './data/pxr.db');
    assert.deepEqual(c.listen, { host: '127.0.0.1', port: 9464 });
    assert.equal(c.resyncMs, 30_000);
  });

  test('flag beats environment beats pxr.yaml', () => {
    const file = { path: 'pxr.yaml', text: 'manifests: /from/file\ndb: /file.db\nresync: 1m\n' };
    const c = resolveConfig(
      input({
        flags: { manifests: '/from/flag' },
        env: { PXR_MANIFESTS: '/from/env', PXR_DB: '/env.db' },
        file,
      }),
    );
    assert.equal(c.manifests, '/from/flag');
    assert.equal(c.db, '/env.db');
    assert.equal(c.resyncMs, 60_000);
  });

  test('a wrong setting stops with one line naming it', () => {
    const cases: [Partial<ResolveInput>, RegExp][] = [
      [{ flags: { resync: 'soon' } }, /^--resync: 'soon'/],
      [{ flags: { listen: 'nope' } }, /^--listen: 'nope' is not HOST:PORT/],
      [{ env: { PXR_MAX_PRUNE_RATIO: '2' } }, /^--max-prune-ratio/],
      [{ file: { path: 'pxr.yaml', text: 'bogus: 1' } }, /^pxr.yaml: unknown key 'bogus'/],
      [{ file: { path: 'pxr.yaml', text: 'a: [' } }, /^pxr.yaml: not valid YAML/],
      [{ needPve: true }, /^--pve-url \(PXR_PVE_URL\) is required, or use --sim$/],
      [{ needPve: true, flags: { pveUrl: 'https://pve:8006' } }, /^--pve-token-id/],
      [
        { needPve: true, flags: { pveUrl: 'https://pve:8006', pveTokenId: 'root' } },
        /must look like USER@REALM!TOKENID/,
      ],
      [
        {
          needPve: true,
          flags: {
            pveUrl: 'https://pve:8006',
            pveTokenId: 'root@pam!pxr',
            pveTokenSecretFile: '/x',
          },
        },
        /^--pve-token-secret-file: cannot read '\/x': ENOENT$/,
      ],
    ];
    for (const [over, re] of cases) {
      assert.throws(
        () => resolveConfig(input(over)),
        (err: Error) => {
          assert.ok(err instanceof ConfigError, String(err));
          assert.match(err.message, re);
          assert.ok(!err.message.includes('\n'));
          return true;
        },
      );
    }
  });

  test('the token secret is read from a file and never appears in errors', () => {
    const base = {
      pveUrl: 'https://pve:8006',
      pveTokenId: 'pxr@pve!ctl',
      pveTokenSecretFile: '/s',
    };
    const c = resolveConfig(input({ needPve: true, flags: base, readFile: () => `${SECRET}\n` }));
    assert.equal(c.pve?.tokenSecret, SECRET);
    const bad = 'Not-A-UUID-supersecret';
    assert.throws(
      () => resolveConfig(input({ needPve: true, flags: base, readFile: () => bad })),
      (err: Error) => !err.message.includes(bad) && /not a lower-case UUID/.test(err.message),
    );
  });

  test('--sim needs no Proxmox settings', () => {
    const c = resolveConfig(input({ needPve: true, flags: { sim: true } }));
    assert.equal(c.sim, true);
    assert.equal(c.pve, undefined);
  });

  test('fingerprints are validated and upper-cased', () => {
    const fp = Array.from({ length: 32 }, () => 'ab').join(':');
    const c = resolveConfig(
      input({
        needPve: true,
        env: {
          PXR_PVE_URL: 'https://pve:8006',
          PXR_PVE_TOKEN_ID: 'a@pam!b',
          PXR_PVE_TOKEN_SECRET: SECRET,
          PXR_PVE_FINGERPRINT: fp,
        },
      }),
    );
    assert.equal(c.pve?.fingerprint, fp.toUpperCase());
    assert.throws(
      () =>
        resolveConfig(
          input({
            needPve: true,
            env: {
              PXR_PVE_URL: 'https://pve:8006',
              PXR_PVE_TOKEN_ID: 'a@pam!b',
              PXR_PVE_TOKEN_SECRET: SECRET,
              PXR_PVE_FINGERPRINT: 'AB:CD',
            },
          }),
        ),
      /--pve-fingerprint/,
    );
  });
});

describe('durations', () => {
  for (const [text, ms] of [
    ['15s', 15_000],
    ['2m', 120_000],
    ['1h30m', 5_400_000],
    ['750ms', 750],
    ['10', 10_000],
    ['x', undefined],
    ['5s junk', undefined],
  ] as const) {
    test(`${text} → ${String(ms)}`, () => assert.equal(parseDuration(text), ms));
  }
});
