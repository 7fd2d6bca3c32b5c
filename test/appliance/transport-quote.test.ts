import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { PxrError, TerminalError } from '../../src/core/errors.js';
import { shellQuote, shellQuoteArg } from '../../src/appliance/transport/quote.js';
import {
  checkRemotePath,
  octalMode,
  parseNulList,
} from '../../src/appliance/transport/remote-files.js';
import { normaliseFingerprint, sshFingerprint } from '../../src/appliance/transport/ssh-connect.js';
import { withRemoteTimeout } from '../../src/appliance/transport/ssh.js';

describe('shellQuoteArg', () => {
  const cases: [string, string, string][] = [
    ['plain word stays bare', 'dnsmasq', 'dnsmasq'],
    ['path stays bare', '/etc/dnsmasq.d/pxr.conf', '/etc/dnsmasq.d/pxr.conf'],
    ['option with dashes stays bare', '--test', '--test'],
    ['empty string becomes two quotes', '', "''"],
    ['space is quoted', 'a b', "'a b'"],
    ['single quote is closed, escaped, reopened', "it's", "'it'\\''s'"],
    ['only a quote', "'", "''\\'''"],
    ['dollar is not expanded', '$HOME', "'$HOME'"],
    ['command substitution is inert', '$(id)', "'$(id)'"],
    ['backticks are inert', '`id`', "'`id`'"],
    ['newline kept inside quotes', 'a\nb', "'a\nb'"],
    ['double quotes kept', '"x"', `'"x"'`],
    ['backslash kept', 'a\\b', "'a\\b'"],
    ['glob is quoted', '*.conf', "'*.conf'"],
    ['tilde is quoted', '~', "'~'"],
    ['assignment-looking word is quoted', 'A=b', "'A=b'"],
    ['semicolon is quoted', 'a;b', "'a;b'"],
    ['unicode is quoted', 'ü', "'ü'"],
  ];
  for (const [name, input, want] of cases) {
    test(`${name}: ${JSON.stringify(input)} → ${want}`, () => {
      assert.equal(shellQuoteArg(input), want);
    });
  }

  test('a NUL byte is refused (it cannot be passed in an argument)', () => {
    assert.throws(
      () => shellQuoteArg('a\0b'),
      (err: unknown) => err instanceof PxrError && err.code === 'SHELL_QUOTE_NUL',
    );
  });
});

describe('shellQuote', () => {
  test('an empty argv is refused', () => {
    assert.throws(
      () => shellQuote([]),
      (err: unknown) => err instanceof PxrError && err.code === 'SHELL_QUOTE_EMPTY',
    );
  });

  test('joins quoted words with single spaces', () => {
    assert.equal(shellQuote(['printf', '%s\\0', 'a b', '']), "printf '%s\\0' 'a b' ''");
  });

  test('a real POSIX sh splits the quoted line back into exactly the argv', () => {
    const argv = [
      '',
      "it's",
      "''",
      '$HOME',
      '$(echo no)',
      '`echo no`',
      'a  b',
      'x\ny\n',
      '\\',
      '*',
      '~',
      'A=b',
      '#c',
      '!x',
      '{a,b}',
      'ünï 😀',
    ];
    const out = execFileSync('/bin/sh', ['-c', shellQuote(['printf', '%s\\0', ...argv])], {
      encoding: 'utf8',
      cwd: '/',
    });
    assert.deepEqual(out.split('\0').slice(0, -1), argv);
  });
});

describe('remote file helpers', () => {
  test('octalMode renders chmod/pct --perms strings and refuses non-modes', () => {
    assert.equal(octalMode(0o644), '0644');
    assert.equal(octalMode(0o600), '0600');
    assert.equal(octalMode(0o4755), '04755');
    assert.equal(octalMode(0), '0000');
    for (const bad of [-1, 0o10000, 1.5]) {
      assert.throws(
        () => octalMode(bad),
        (e: unknown) => (e as PxrError).code === 'TRANSPORT_BAD_MODE',
      );
    }
  });

  test('only absolute file paths without NUL are accepted', () => {
    checkRemotePath('/etc/x');
    for (const bad of ['etc/x', '', '/etc/', '/a\0b']) {
      assert.throws(
        () => checkRemotePath(bad),
        (e: unknown) => (e as PxrError).code === 'TRANSPORT_BAD_PATH',
        JSON.stringify(bad),
      );
    }
  });

  test('parseNulList splits NUL-terminated names and sorts them by code point', () => {
    assert.deepEqual(parseNulList(''), []);
    assert.deepEqual(parseNulList('b\0a\nb\0.x\0B\0'), ['.x', 'B', 'a\nb', 'b']);
  });

  test('withRemoteTimeout puts the command under `timeout -s KILL` in seconds', () => {
    assert.deepEqual(withRemoteTimeout(['cat'], 30_000), ['timeout', '-s', 'KILL', '30', 'cat']);
    assert.deepEqual(withRemoteTimeout(['x'], 1_500), ['timeout', '-s', 'KILL', '1.5', 'x']);
    assert.deepEqual(withRemoteTimeout(['x'], 0), ['timeout', '-s', 'KILL', '0.001', 'x']);
    assert.deepEqual(withRemoteTimeout(['x'], Infinity), ['x']);
  });
});

describe('host key fingerprints', () => {
  test('sshFingerprint is SHA256 of the key blob in unpadded base64', () => {
    const blob = Buffer.from('some key blob');
    const b64 = createHash('sha256').update(blob).digest('base64');
    assert.ok(b64.endsWith('='));
    assert.equal(sshFingerprint(blob), `SHA256:${b64.replace(/=+$/, '')}`);
  });

  test('normaliseFingerprint accepts ssh-keygen output with or without padding', () => {
    const fp = `SHA256:${'a'.repeat(43)}`;
    assert.equal(normaliseFingerprint(fp), fp);
    assert.equal(normaliseFingerprint(`${fp}=`), fp);
    assert.equal(normaliseFingerprint(` ${fp}\n`), fp);
    for (const bad of ['', 'MD5:aa:bb', `sha256:${'a'.repeat(43)}`, `SHA256:${'a'.repeat(42)}`]) {
      assert.throws(
        () => normaliseFingerprint(bad),
        (e: unknown) => e instanceof TerminalError && e.reason === 'SshFingerprintInvalid',
      );
    }
  });
});
