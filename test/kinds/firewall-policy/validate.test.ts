/**
 * FirewallPolicy manifests through the real validator (schema with defaults + semantic checks): the
 * checked-in example is valid, and mistakes are located at their field with a useful message —
 * names Proxmox refuses (with a suggestion), references to groups, IP sets and aliases the policy
 * does not define, and rules pve-firewall's own verification rejects (macros, protocols, ports).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { kindDefinitions } from '../../../src/kinds/registry.js';
import { ManifestValidator } from '../../../src/source/validate.js';
import { checkGroupName, suggestGroupName } from '../../../src/kinds/firewall-policy/validate.js';

const validator = new ManifestValidator(kindDefinitions());

function check(spec: string): ReturnType<ManifestValidator['validate']> {
  const text = `apiVersion: pxr/v1alpha1\nkind: FirewallPolicy\nmetadata:\n  name: fw\nspec:\n${spec}`;
  return validator.validate([validator.parse('fw.yaml', text)]);
}

const rule = (r: string): string =>
  `  guests:\n    - name: g\n      select: { names: [web-01] }\n      rules:\n        - ${r}\n`;

describe('FirewallPolicy validation', () => {
  test('the example manifest is valid and gets its defaults', async () => {
    const file = 'manifests/host/firewall.yaml';
    const text = await readFile(new URL(`../../../${file}`, import.meta.url), 'utf8');
    const r = validator.validate([validator.parse(file, text)]);
    assert.deepEqual(r.issues, [], file);
    const spec = r.docs[0]!.spec;
    assert.equal(spec['mode'], 'merge');
    const guests = spec['guests'] as { rules: { enable: boolean }[] }[];
    assert.equal(guests[0]!.rules[0]!.enable, true);
  });

  test('a group name over 18 characters gets a suggestion Proxmox accepts', () => {
    const msg = checkGroupName('tenant-isolation-base');
    assert.match(msg!, /21 characters.*at most 18.*try 'tenant-isolation-b'/);
    assert.equal(checkGroupName(suggestGroupName('1 web servers!')), undefined);
  });

  const bad: [string, string, RegExp][] = [
    ['  groups:\n    - name: tenant-isolation-base\n', 'spec.groups[0].name', /at most 18.*try '/],
    [
      '  groups:\n    - name: web servers\n',
      'spec.groups[0].name',
      /must start with a letter.*try 'web-servers'/,
    ],
    [
      rule('{ name: w, type: group, action: nope }'),
      'spec.guests[0].rules[0].action',
      /no security group 'nope'/,
    ],
    [
      rule('{ name: s, type: in, action: ACCEPT, source: +nope }'),
      'spec.guests[0].rules[0].source',
      /no IP set 'nope'/,
    ],
    [
      rule('{ name: s, type: in, action: ACCEPT, dest: proxy }'),
      'spec.guests[0].rules[0].dest',
      /no alias 'proxy'/,
    ],
    [
      rule('{ name: m, type: in, action: ACCEPT, macro: Telnetz }'),
      'spec.guests[0].rules[0].macro',
      /unknown macro 'Telnetz'/,
    ],
    [
      rule('{ name: p, type: in, action: ACCEPT, proto: tcpp }'),
      'spec.guests[0].rules[0].proto',
      /unknown protocol 'tcpp'/,
    ],
    [
      rule("{ name: p, type: in, action: ACCEPT, dport: '22' }"),
      'spec.guests[0].rules[0].proto',
      /'dport' requires/,
    ],
    [
      rule("{ name: p, type: in, action: ACCEPT, proto: tcp, dport: '99999' }"),
      'spec.guests[0].rules[0].dport',
      /invalid port/,
    ],
    [
      rule('{ name: p, type: in, action: ALLOW }'),
      'spec.guests[0].rules[0].action',
      /unknown action 'ALLOW'/,
    ],
    [
      rule('{ name: p, type: in, action: ACCEPT, iface: eth0 }'),
      'spec.guests[0].rules[0].iface',
      /net\\d\+/,
    ],
    [
      '  groups:\n    - name: web\n      rules:\n        - { name: a, type: in, action: ACCEPT }\n        - { name: a, type: in, action: DROP }\n',
      'spec.groups[0].rules[1].name',
      /used twice/,
    ],
    [
      '  aliases:\n    - { name: a1, cidr: 10.0.0.1 }\n    - { name: A1, cidr: 10.0.0.2 }\n',
      'spec.aliases[1].name',
      /defined twice/,
    ],
    [
      '  ipsets:\n    - name: s\n      entries: [{ cidr: nohost }]\n',
      'spec.ipsets[0].entries[0].cidr',
      /no alias 'nohost'/,
    ],
  ];
  for (const [spec, field, msg] of bad) {
    test(`${field} is reported (${spec.trim().split('\n').pop()!.trim()})`, () => {
      const r = check(spec);
      const issue = r.issues.find((i) => i.field === field);
      assert.ok(issue, `issues: ${JSON.stringify(r.issues)}`);
      assert.match(issue.message, msg);
      assert.equal(issue.file, 'fw.yaml');
      assert.ok((issue.line ?? 0) > 0, 'located on a line');
    });
  }
});
