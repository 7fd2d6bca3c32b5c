/**
 * pxr.yaml `alerts:`: sinks with secrets read from files, filters, durations; every mistake is one
 * located line that never shows a secret.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { resolveAlerts } from '../../src/cli/alerts-config.js';
import { ConfigError } from '../../src/cli/config.js';

const files: Record<string, string> = {
  '/etc/pxr/slack-url': 'https://hooks.slack.example/services/T0/B0/supersecret\n',
  '/etc/pxr/hmac': 'k3y\n',
  '/etc/pxr/ntfy-token': 'tk_abc\n',
  '/etc/pxr/empty': '\n',
};
const read = (p: string): string => {
  const v = files[p];
  if (v === undefined) throw Object.assign(new Error('nope'), { code: 'ENOENT' });
  return v;
};
const resolve = (yaml: string): ReturnType<typeof resolveAlerts> =>
  resolveAlerts('pxr.yaml', (parse(yaml) as { alerts?: unknown }).alerts, read);

function fails(yaml: string, message: RegExp): void {
  assert.throws(
    () => resolve(yaml),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, message);
      assert.ok(!err.message.includes('supersecret'), 'no secret in the message');
      return true;
    },
  );
}

describe('pxr.yaml alerts', () => {
  test('no alerts section: no sinks, Alertmanager-like defaults', () => {
    assert.deepEqual(resolve('manifests: ./m'), {
      sinks: [],
      groupWaitMs: 30_000,
      groupIntervalMs: 300_000,
      repeatIntervalMs: 14_400_000,
    });
  });

  test('sinks with secrets from files, filters and durations', () => {
    const cfg = resolve(`
alerts:
  groupWait: 10s
  repeatInterval: 1h
  sinks:
    - { name: ops, type: slack, urlFile: /etc/pxr/slack-url, minSeverity: warning, kinds: [Bridge] }
    - { type: webhook, url: "http://127.0.0.1:9000/hook", secretFile: /etc/pxr/hmac, labels: { tier: gold } }
    - { type: ntfy, url: "https://ntfy.example/pxr", tokenFile: /etc/pxr/ntfy-token, names: [web] }
`);
    assert.equal(cfg.groupWaitMs, 10_000);
    assert.equal(cfg.groupIntervalMs, 300_000);
    assert.equal(cfg.repeatIntervalMs, 3_600_000);
    assert.deepEqual(cfg.sinks, [
      {
        name: 'ops',
        type: 'slack',
        url: 'https://hooks.slack.example/services/T0/B0/supersecret',
        minSeverity: 'warning',
        kinds: ['Bridge'],
      },
      {
        name: 'webhook',
        type: 'webhook',
        url: 'http://127.0.0.1:9000/hook',
        minSeverity: 'info',
        secret: 'k3y',
        labels: { tier: 'gold' },
      },
      {
        name: 'ntfy',
        type: 'ntfy',
        url: 'https://ntfy.example/pxr',
        minSeverity: 'info',
        token: 'tk_abc',
        names: ['web'],
      },
    ]);
  });

  test('mistakes are one located line, without the secret', () => {
    fails(
      'alerts: { sinks: [ { type: teams, url: "http://x" } ] }',
      /alerts\.sinks\[0\]\.type: must be one of webhook, slack, discord, ntfy, alertmanager/,
    );
    fails(
      'alerts: { sinks: [ { type: slack } ] }',
      /alerts\.sinks\[0\]: give exactly one of url and urlFile/,
    );
    fails(
      'alerts: { sinks: [ { type: slack, urlFile: /etc/pxr/missing } ] }',
      /alerts\.sinks\[0\]\.urlFile: cannot read '\/etc\/pxr\/missing': ENOENT/,
    );
    fails('alerts: { sinks: [ { type: slack, urlFile: /etc/pxr/empty } ] }', /is empty/);
    fails(
      'alerts: { sinks: [ { type: slack, url: "supersecret" } ] }',
      /not an http\(s\) URL \(value not shown\)/,
    );
    fails(
      'alerts: { sinks: [ { type: slack, url: "http://a", minSeverity: loud } ] }',
      /minSeverity: must be one of info, warning, critical/,
    );
    fails(
      'alerts: { sinks: [ { type: slack, url: "http://a" }, { type: slack, url: "http://b" } ] }',
      /alerts\.sinks\[1\]\.name: 'slack' is used by another sink/,
    );
    fails(
      'alerts: { sinks: [ { type: slack, url: "http://a", hook: 1 } ] }',
      /alerts\.sinks\[0\]\.hook: unknown key/,
    );
    fails('alerts: { groupWait: soon }', /alerts\.groupWait: 'soon' is not a duration/);
    fails('alerts: { route: x }', /alerts\.route: unknown key/);
  });
});
