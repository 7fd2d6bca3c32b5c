import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PveError } from '../../src/sim/types.js';
import { copyListWithDigest, copyObjectWithDigest } from '../../src/sim/firewall/digest.js';
import {
  cleanCidr,
  parseAddressList,
  parseIpOrCidr,
  verifyIpOrCidr,
} from '../../src/sim/firewall/addr.js';
import { parsePortSpec } from '../../src/sim/firewall/ports.js';
import {
  copyRuleData,
  deleteRuleProperties,
  moveRule,
  storedRule,
  verifyRule,
  type RuleEnv,
  type RuleRefs,
} from '../../src/sim/firewall/rules.js';
import type { FwRule } from '../../src/sim/firewall/state.js';
import { macroList } from '../../src/sim/firewall/macros.js';

const refs: RuleRefs = {
  cluster: {
    ipsets: { trusted: { entries: [] } },
    aliases: {
      lan: { name: 'LAN', cidr: '10.0.0.0/24', ipversion: 4 },
      v6net: { name: 'v6net', cidr: 'fd00::/64', ipversion: 6 },
    },
  },
};

/** The status and per-field errors of a thrown PveError. */
function thrown(fn: () => unknown): { status: number; message: string; errors?: object } {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof PveError, `expected PveError, got ${String(err)}`);
    return {
      status: err.status,
      message: err.message,
      ...(err.errors ? { errors: err.errors } : {}),
    };
  }
  assert.fail('expected an error');
}

describe('firewall digests (Perl Digest::SHA known answers)', () => {
  test('a rule list digest is sha1 over sorted key:value lines and is stamped on every item', () => {
    const { list, digest } = copyListWithDigest([
      {
        type: 'in',
        action: 'ACCEPT',
        enable: 1,
        macro: 'SSH',
        ipversion: 4,
        source: '10.0.0.0/24',
      },
      { type: 'out', action: 'DROP', enable: 0, comment: undefined },
    ]);
    assert.equal(digest, '11320c08ee4c14faa0a141ebc5ff15181859c39f');
    assert.deepEqual(
      list.map((i) => i.digest),
      [digest, digest],
    );
    assert.equal('comment' in (list[1] as object), false);
  });

  test('an options digest covers only the keys that are set', () => {
    const { object, digest } = copyObjectWithDigest({ policy_in: 'DROP', enable: 1 });
    assert.equal(digest, 'b5b4b38b0ccd39fc3c426236926bf532647addaf');
    assert.deepEqual(object, { enable: 1, policy_in: 'DROP', digest });
  });
});

describe('verifyRule answers the first failing field like pve-firewall', () => {
  const cases: [string, Partial<FwRule>, RuleEnv, Record<string, string>][] = [
    [
      'unknown action',
      { type: 'in', action: 'ALLOW' },
      'cluster',
      { action: "unknown action 'ALLOW'" },
    ],
    [
      'guest iface must be netN',
      { type: 'in', action: 'ACCEPT', iface: 'eth0' },
      'ct',
      { iface: "value does not match the regex pattern 'net\\d+'" },
    ],
    [
      'iface not allowed in groups',
      { type: 'in', action: 'ACCEPT', iface: 'net0' },
      'group',
      { type: 'parameter -i not allowed for this rule type' },
    ],
    [
      'group rules not allowed inside a group',
      { type: 'group', action: 'web' },
      'group',
      { type: "invalid rule type 'group' for rule_env 'group'" },
    ],
    [
      'forward not allowed for guests',
      { type: 'forward', action: 'ACCEPT' },
      'ct',
      { type: "invalid rule type 'forward' for rule_env 'ct'" },
    ],
    [
      'REJECT on forward',
      { type: 'forward', action: 'REJECT' },
      'cluster',
      { action: 'cannot define REJECT rules on forward chain' },
    ],
    [
      'unknown macro',
      { type: 'in', action: 'ACCEPT', macro: 'Telnetz' },
      'cluster',
      { macro: "unknown macro 'Telnetz'" },
    ],
    [
      'dport needs proto',
      { type: 'in', action: 'ACCEPT', dport: '22' },
      'cluster',
      { proto: "missing property - 'dport' requires this property" },
    ],
    [
      'ports need a port protocol',
      { type: 'in', action: 'ACCEPT', proto: 'gre', dport: '22' },
      'cluster',
      { dport: "protocol 'gre' does not support ports" },
    ],
    [
      'unknown ipset',
      { type: 'in', action: 'ACCEPT', source: '+nope' },
      'cluster',
      { source: "no such ipset 'nope'" },
    ],
    [
      'unknown alias',
      { type: 'in', action: 'ACCEPT', dest: 'office' },
      'cluster',
      { dest: "no such alias 'office'" },
    ],
    [
      'mixed versions across source and dest',
      { type: 'in', action: 'ACCEPT', source: '10.0.0.1', dest: 'fd00::1' },
      'cluster',
      { dest: 'detected mixed ipv4/ipv6 addresses in rule' },
    ],
    [
      'icmp-type needs an icmp proto',
      { type: 'in', action: 'ACCEPT', proto: 'tcp', 'icmp-type': 'echo-request' },
      'cluster',
      { proto: "missing property - 'icmp-type' requires this property" },
    ],
  ];
  for (const [name, rule, env, errors] of cases) {
    test(name, () => {
      assert.deepEqual(
        thrown(() => verifyRule(rule, env, refs)),
        {
          status: 400,
          message: 'Parameter verification failed.\n',
          errors,
        },
      );
    });
  }

  test('a valid rule gets its macro spelling normalised and its IP version derived', () => {
    const r = verifyRule(
      { type: 'in', action: 'ACCEPT', macro: 'ssh', source: 'lan', iface: 'net0' },
      'ct',
      refs,
    );
    assert.equal(r.macro, 'SSH');
    assert.equal(r.ipversion, 4);
  });

  test('an alias of the other IP version is a plain 500 (raised outside the eval in Perl)', () => {
    const e = thrown(() =>
      verifyRule(
        { type: 'in', action: 'ACCEPT', source: '10.0.0.1', dest: 'v6net' },
        'cluster',
        refs,
      ),
    );
    assert.equal(e.status, 500);
    assert.equal(e.message, 'detected mixed ipv4/ipv6 addresses in rule\n');
  });
});

describe('macros', () => {
  test('a rule may not contradict its macro', () => {
    assert.deepEqual(
      thrown(() =>
        verifyRule(
          { type: 'in', action: 'ACCEPT', macro: 'SSH', proto: 'tcp', dport: '2222' },
          'cluster',
          refs,
        ),
      ).errors,
      { dport: "parameter 'dport' already define in macro (value = '22')" },
    );
    assert.deepEqual(
      thrown(() =>
        verifyRule(
          { type: 'in', action: 'ACCEPT', macro: 'Ping', proto: 'icmp', dport: 'echo-reply' },
          'cluster',
          refs,
        ),
      ).errors,
      { dport: "parameter 'dport' already define in macro (value = 'echo-request')" },
    );
  });

  test('a rule that agrees with every rule of its macro passes', () => {
    const r = verifyRule(
      { type: 'in', action: 'DROP', macro: 'ssh', proto: 'tcp' },
      'cluster',
      refs,
    );
    assert.equal(r.macro, 'SSH');
  });

  test('IPv6 rules are checked against the IPv6 variant, IPv6-only macros skip IPv4 rules', () => {
    assert.deepEqual(
      thrown(() =>
        verifyRule(
          { type: 'in', action: 'ACCEPT', macro: 'Ping', proto: 'icmp', dest: 'fd00::1' },
          'cluster',
          refs,
        ),
      ).errors,
      { dest: 'detected mixed ipv4/ipv6 addresses in rule' },
    );
    verifyRule({ type: 'in', action: 'ACCEPT', macro: 'Ping', dest: 'fd00::1' }, 'cluster', refs);
    verifyRule(
      { type: 'in', action: 'ACCEPT', macro: 'DHCPv6', proto: 'tcp', source: '10.0.0.1' },
      'cluster',
      refs,
    );
  });

  test('the macro list has names and descriptions', () => {
    const list = macroList();
    assert.ok(list.length > 80);
    assert.deepEqual(
      list.find((m) => m.macro === 'SSH'),
      { macro: 'SSH', descr: 'Secure shell traffic' },
    );
  });
});

describe('rule data helpers', () => {
  test("copyRuleData: '' and '-' delete a field, other values overwrite", () => {
    const r = copyRuleData(
      { type: 'in', action: 'ACCEPT', comment: 'x', dport: '22' },
      {
        comment: '',
        dport: '-',
        proto: 'tcp',
        pos: 3,
      },
    );
    assert.deepEqual(r, { type: 'in', action: 'ACCEPT', proto: 'tcp' });
  });

  test('delete= refuses unknown and required properties', () => {
    assert.deepEqual(thrown(() => deleteRuleProperties({}, 'bogus')).errors, {
      delete: "no such property ('bogus')",
    });
    assert.deepEqual(thrown(() => deleteRuleProperties({}, 'comment,type')).errors, {
      delete: "unable to delete required property 'type'",
    });
  });

  test('the stored form is what the .fw file reads back: enable 0|1, trimmed comment, no group extras', () => {
    assert.deepEqual(
      storedRule(
        {
          type: 'in',
          action: 'ACCEPT',
          enable: 5 as never,
          comment: '  hi  ',
          dport: '22',
          proto: 'tcp',
        },
        'cluster',
      ),
      { type: 'in', action: 'ACCEPT', enable: 1, comment: 'hi', dport: '22', proto: 'tcp' },
    );
    assert.deepEqual(
      storedRule({ type: 'group', action: 'web', source: '10.0.0.1', iface: 'net0' }, 'ct'),
      {
        type: 'group',
        action: 'web',
        enable: 1,
        iface: 'net0',
      },
    );
  });

  const moves: [number, number, string][] = [
    [0, 2, 'BAC'], // before the rule that WAS at 2: a move down by one is a no-op
    [0, 1, 'ABC'],
    [2, 0, 'CAB'],
    [0, 3, 'BCA'],
    [0, 99, 'BCA'],
    [1, 1, 'ABC'],
  ];
  for (const [pos, moveto, want] of moves) {
    test(`moveto: pos ${pos} -> ${moveto} gives ${want}`, () => {
      assert.equal(moveRule(['A', 'B', 'C'], pos, moveto).join(''), want);
    });
  }
});

describe('addresses and ports', () => {
  const lists: [string, number | undefined | string][] = [
    ['10.0.0.1', 4],
    ['10.0.0.0/24,192.168.1.1', 4],
    ['fd00::/64', 6],
    ['10.0.0.1-10.0.0.9', 4],
    ['+myset', undefined],
    ['dc/office', undefined],
    ['10.0.0.1,fd00::1', "detected mixed ipv4/ipv6 addresses in address list '10.0.0.1,fd00::1'"],
    ['10.0.0.5/24', 'invalid IP address: Invalid prefix 00001010000000000000000000000101/24'],
    ['10.0.0.1-10.0.0.5,10.0.0.9', "you can't use a range in a list"],
    ['10.0.0.1,', 'extraneous commas in list'],
  ];
  for (const [input, want] of lists) {
    test(`parseAddressList(${input})`, () => {
      if (typeof want === 'string') assert.throws(() => parseAddressList(input), { message: want });
      else assert.equal(parseAddressList(input), want);
    });
  }

  test('IP set entries are normalised: host bits cleared, single-host prefix dropped', () => {
    assert.equal(cleanCidr('10.0.0.5/24'), '10.0.0.0/24');
    assert.equal(cleanCidr('fd00::1234/64'), 'fd00::/64');
    assert.equal(parseIpOrCidr('10.0.0.7/32').cidr, '10.0.0.7');
    assert.equal(parseIpOrCidr('fd00::1/128').cidr, 'fd00::1');
    assert.equal(verifyIpOrCidr('10.0.0.5/24'), undefined);
    assert.equal(
      verifyIpOrCidr('nope'),
      'value does not look like a valid IP address or CIDR network',
    );
  });

  const ports: [string, boolean, string | undefined][] = [
    ['22', false, undefined],
    ['80,443,8000:8080', false, undefined],
    ['ssh,https', false, undefined],
    ['70000', false, "invalid port '70000'"],
    ['90:80', false, "backwards range '90:80' not allowed, did you mean '80:90'?"],
    ['echo-request', true, undefined],
    ['echo-request', false, "invalid port 'echo-request'"],
    [
      '1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16',
      false,
      'too many entries in port list (> 15 numbers)',
    ],
  ];
  for (const [spec, icmp, want] of ports) {
    test(`port spec ${spec}${icmp ? ' (icmp)' : ''}`, () => {
      if (want === undefined) parsePortSpec(spec, icmp);
      else assert.throws(() => parsePortSpec(spec, icmp), { message: want });
    });
  }
});
