/**
 * Bad Issuer and Certificate manifests are refused by `pxr validate` with located errors (file,
 * line, field) before anything is issued: a missing name, an IP that is not one, renewBefore with
 * renewBeforePercentage or not shorter than duration, a key size the algorithm has not, one CA file
 * without the other, both issuer types at once; a file target writing one path twice, a `pct`
 * access without its host, key file and pinned host key, a mode that is not octal.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'pxr-cert-validate-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const cert = (name: string, spec: string): string =>
  `apiVersion: pxr/v1alpha1\nkind: Certificate\nmetadata: { name: ${name} }\nspec:\n  issuerRef: { name: ca }\n  targets: { node: { name: pve } }\n${spec}`;
const files = (name: string, entry: string): string =>
  `apiVersion: pxr/v1alpha1\nkind: Certificate\nmetadata: { name: ${name} }\nspec:\n  issuerRef: { name: ca }\n  dnsNames: [web.lab.internal]\n  targets:\n    files:\n      - ${entry}\n`;
const issuer = (name: string, spec: string): string =>
  `apiVersion: pxr/v1alpha1\nkind: Issuer\nmetadata: { name: ${name} }\nspec:\n${spec}`;

async function validate(files: Record<string, string>): Promise<{ code: number; text: string }> {
  const d = mkdtempSync(join(dir, 'm-'));
  for (const [f, t] of Object.entries(files)) writeFileSync(join(d, f), t);
  const r = await runCli(['validate', d], dir);
  return { code: r.code, text: r.out + r.err };
}

describe('pxr validate: Issuer and Certificate', () => {
  test('a Certificate with file targets only, or none, is valid', async () => {
    const r = await validate({
      'ok.yaml': `${issuer('ca', '  ca: {}\n')}---\n${files('w', '{ container: web, certificate: /etc/ssl/web.crt, chain: /etc/ssl/ca.crt, key: /etc/ssl/web.key, mode: "0640", owner: "root:ssl-cert", reloadCommand: [systemctl, reload, nginx], access: { transport: simulated } }')}---\napiVersion: pxr/v1alpha1\nkind: Certificate\nmetadata: { name: stored }\nspec: { issuerRef: { name: ca }, dnsNames: [x.lab.internal] }\n`,
    });
    assert.equal(r.code, 0, r.text);
  });

  test('the demo-like pair is valid', async () => {
    const r = await validate({
      'ok.yaml': `${issuer('ca', '  ca: {}\n')}---\n${cert('ui', '  dnsNames: [pve.lab.internal]\n  ipAddresses: [172.16.100.2, "fd00::2"]\n')}`,
    });
    assert.equal(r.code, 0, r.text);
  });

  const bad: [string, string, RegExp][] = [
    ['no-name.yaml', cert('a', '  duration: 24h\n'), /spec\.dnsNames.*at least one of commonName/],
    [
      'ip.yaml',
      cert('b', '  ipAddresses: [pve.local]\n'),
      /spec\.ipAddresses\[0\].*not an IPv4 or IPv6/,
    ],
    [
      'both.yaml',
      cert('c', '  dnsNames: [x]\n  renewBefore: 1h\n  renewBeforePercentage: 30\n'),
      /spec\.renewBeforePercentage.*not both/,
    ],
    [
      'long.yaml',
      cert('d', '  dnsNames: [x]\n  duration: 24h\n  renewBefore: 48h\n'),
      /spec\.renewBefore.*shorter than duration/,
    ],
    [
      'size.yaml',
      cert('e', '  dnsNames: [x]\n  privateKey: { algorithm: RSA, size: 1024 }\n'),
      /spec\.privateKey\.size.*2048, 3072 or 4096/,
    ],
    ['dur.yaml', cert('f', '  dnsNames: [x]\n  duration: 90 days\n'), /spec\.duration/],
    [
      'files.yaml',
      issuer('g', '  ca: { certFile: /etc/ca.crt }\n'),
      /spec\.ca\.keyFile.*go together/,
    ],
    ['two.yaml', issuer('h', '  ca: {}\n  selfSigned: {}\n'), /Issuer/],
    [
      'twice.yaml',
      files(
        'i',
        '{ container: web, certificate: /etc/ssl/a.pem, key: /etc/ssl/a.pem, access: { transport: simulated } }',
      ),
      /spec\.targets\.files\[0\]\.key.*written twice/,
    ],
    [
      'pct.yaml',
      files(
        'j',
        '{ container: web, certificate: /etc/ssl/a.crt, key: /etc/ssl/a.key, access: { transport: pct } }',
      ),
      /spec\.targets\.files\[0\]\.access\.host.*pct transport needs/,
    ],
    [
      'mode.yaml',
      files(
        'k',
        '{ container: web, certificate: /etc/ssl/a.crt, key: /etc/ssl/a.key, mode: "rw", access: { transport: simulated } }',
      ),
      /spec\.targets\.files\[0\]\.mode/,
    ],
    [
      'relative.yaml',
      files(
        'l',
        '{ container: web, certificate: ssl/a.crt, key: /etc/ssl/a.key, access: { transport: simulated } }',
      ),
      /spec\.targets\.files\[0\]\.certificate/,
    ],
  ];
  for (const [file, text, want] of bad) {
    test(`${file}: refused, located`, async () => {
      const r = await validate({ [file]: text });
      assert.equal(r.code, 1, r.text);
      assert.match(r.text, new RegExp(`${file.replace('.', '\\.')}:\\d+`));
      assert.match(r.text, want);
    });
  }
});
