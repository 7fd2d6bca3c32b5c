import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { kindDefinitions } from '../../src/kinds/registry.js';
import { ManifestValidator } from '../../src/source/validate.js';
import { formatIssue } from '../../src/source/format.js';
import type { SourceIssue } from '../../src/source/types.js';

const validator = new ManifestValidator(kindDefinitions());

/** `file:line:column field: message` — the exact coordinates every case asserts. */
function where(i: SourceIssue): string {
  return `${i.file}:${i.line}:${i.column} ${i.field}`;
}

function check(files: Record<string, string>): ReturnType<ManifestValidator['validate']> {
  return validator.validate(Object.entries(files).map(([f, text]) => validator.parse(f, text)));
}

const bridge = (name: string, spec: string): string =>
  `apiVersion: pxr/v1alpha1\nkind: Bridge\nmetadata:\n  name: ${name}\nspec:\n${spec}`;

describe('manifest parsing and validation: each problem is located at file:line:column and field', () => {
  const cases: { name: string; file?: string; text: string; issues: [string, RegExp][] }[] = [
    {
      name: 'an invalid iface is reported at its value with a suggested name',
      text: bridge('lan', '  node: pve\n  iface: proximity-lan\n'),
      issues: [
        [
          'net.yaml:7:10 spec.iface',
          /^invalid interface name 'proximity-lan' \(Proxmox allows \^\[a-z\]\[a-z0-9_\]\{1,20\}\(\[:\.\]\\d\+\)\?\$\); try 'proximity_lan'$/,
        ],
      ],
    },
    {
      name: 'a missing required field is reported at the object that should hold it',
      text: bridge('lan', '  iface: vmbr1\n'),
      issues: [['net.yaml:6:3 spec.node', /^missing required field 'node'$/]],
    },
    {
      name: 'a wrong type names the expected type and what was given',
      text: bridge('lan', '  node: pve\n  iface: vmbr1\n  ports: [eno1, 7]\n'),
      issues: [['net.yaml:8:17 spec.ports[1]', /^must be a string \(got number 7\)$/]],
    },
    {
      name: 'an unknown field is reported at its key with the closest known field',
      text: bridge('lan', '  node: pve\n  iface: vmbr1\n  vlan_aware: true\n'),
      issues: [
        [
          'net.yaml:8:3 spec.vlan_aware',
          /^unknown field 'vlan_aware'; did you mean 'vlanAware'\?$/,
        ],
      ],
    },
    {
      name: 'an out-of-range mtu quotes the Proxmox bound',
      text: bridge('lan', '  node: pve\n  iface: vmbr1\n  mtu: 100\n'),
      issues: [['net.yaml:8:8 spec.mtu', /must be >= 1280 \(got number 100\)/]],
    },
    {
      name: 'a name that is not a DNS-1123 label gets a suggestion',
      text: bridge('My_Lan', '  node: pve\n  iface: vmbr1\n'),
      issues: [['net.yaml:4:9 metadata.name', /not a DNS-1123 label.*; try 'my-lan'$/]],
    },
    {
      name: 'an unknown kind is reported at the kind with the closest known kind',
      text: 'apiVersion: pxr/v1alpha1\nkind: Brige\nmetadata: {name: x}\nspec: {}\n',
      issues: [
        [
          'net.yaml:2:7 kind',
          /^unknown kind 'Brige' \(one of Bridge[^)]*\); did you mean 'Bridge'\?$/,
        ],
      ],
    },
    {
      name: 'a wrong apiVersion is reported at its value',
      text: 'apiVersion: pxr/v1\nkind: Bridge\nmetadata: {name: x}\nspec: {}\n',
      issues: [
        [
          'net.yaml:1:13 apiVersion',
          /^unsupported apiVersion 'pxr\/v1' \(expected 'pxr\/v1alpha1'\)$/,
        ],
      ],
    },
    {
      name: 'missing apiVersion and metadata.name are reported at the document',
      text: '\nkind: Bridge\nspec: {}\n',
      issues: [
        ['net.yaml:2:1 apiVersion', /^missing apiVersion/],
        ['net.yaml:2:1 metadata.name', /^missing metadata.name$/],
      ],
    },
    {
      name: 'a document that is not a mapping is an issue',
      text: '- a\n- b\n',
      issues: [['net.yaml:1:1 ', /must be a mapping/]],
    },
    {
      name: 'a YAML syntax error is located',
      text: 'apiVersion: pxr/v1alpha1\nkind: a: b\n',
      issues: [['net.yaml:2:7 ', /^YAML syntax error: /]],
    },
    {
      name: 'duplicate keys are a syntax error, not a silent override',
      text: bridge('lan', '  node: pve\n  node: pve2\n  iface: vmbr1\n'),
      issues: [['net.yaml:7:3 ', /^YAML syntax error: Map keys must be unique/]],
    },
    {
      name: 'the second document of a file is located on its own lines',
      text: `${bridge('a', '  node: pve\n  iface: vmbr1\n')}---\n${bridge('b', '  node: pve\n  iface: br-x\n')}`,
      issues: [['net.yaml:15:10 spec.iface', /try 'br_x'$/]],
    },
    {
      name: 'JSON files are located too',
      file: 'net.json',
      text: '{\n  "apiVersion": "pxr/v1alpha1",\n  "kind": "Bridge",\n  "metadata": {"name": "j"},\n  "spec": {"node": "pve", "iface": "vmbr1", "mtu": "9000"}\n}\n',
      issues: [['net.json:5:52 spec.mtu', /^must be an integer \(got string "9000"\)$/]],
    },
    {
      name: 'a .json file must be strict JSON (YAML would accept a trailing comma)',
      file: 'net.json',
      text: '{\n  "apiVersion": "pxr/v1alpha1",\n}\n',
      issues: [['net.json:3:1 ', /^JSON syntax error: /]],
    },
    {
      name: 'an alias bomb is refused, located at its document, not expanded',
      text:
        'a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n' +
        'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n',
      issues: [['net.yaml:1:1 ', /^cannot load document: Excessive alias count/]],
    },
    {
      name: 'gateway outside the cidr is reported at the gateway',
      text: bridge(
        'lan',
        '  node: pve\n  iface: vmbr1\n  cidr: 10.0.0.1/24\n  gateway: 10.0.1.1\n',
      ),
      issues: [
        [
          'net.yaml:9:12 spec.gateway',
          /^gateway 10.0.1.1 is outside the bridge subnet 10.0.0.0\/24/,
        ],
      ],
    },
    {
      name: 'vids without vlanAware is reported at vids',
      text: bridge('lan', '  node: pve\n  iface: vmbr1\n  vids: 2-4094\n'),
      issues: [['net.yaml:8:9 spec.vids', /^vids only applies to a VLAN-aware bridge/]],
    },
    {
      name: 'a bad id in a vids list is reported at the item, once',
      text: bridge(
        'lan',
        '  node: pve\n  iface: vmbr1\n  vlanAware: true\n  vids: [10, "30-20", 5000]\n',
      ),
      issues: [
        ['net.yaml:9:14 spec.vids[1]', /^VLAN range must go from lower to higher tag '30-20'$/],
        ['net.yaml:9:23 spec.vids[2]', /^invalid VLAN tag '5000'/],
      ],
    },
    {
      name: 'empty documents are skipped silently',
      text: `---\n# only a comment\n---\n${bridge('lan', '  node: pve\n  iface: vmbr1\n')}---\n`,
      issues: [],
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const r = check({ [c.file ?? 'net.yaml']: c.text });
      assert.deepEqual(
        r.issues.map(where),
        c.issues.map(([w]) => w),
        r.issues.map((i) => formatIssue(i)).join('\n'),
      );
      r.issues.forEach((issue, n) => assert.match(issue.message, c.issues[n]![1]));
      assert.deepEqual(r.invalidFiles, c.issues.length > 0 ? [c.file ?? 'net.yaml'] : []);
    });
  }
});

describe('validated documents', () => {
  test('defaults are applied and the document keeps its identity and location', () => {
    const r = check({
      'a/b.yaml': `# leading comment\n${bridge('lan', '  node: pve\n  iface: vmbr1\n')}`,
    });
    assert.deepEqual(r.issues, []);
    assert.deepEqual(r.docs, [
      {
        apiVersion: 'pxr/v1alpha1',
        kind: 'Bridge',
        name: 'lan',
        labels: {},
        annotations: {},
        spec: {
          node: 'pve',
          iface: 'vmbr1',
          ports: [],
          vlanAware: false,
          autostart: true,
          allowApiBridge: false,
          adopt: false,
        },
        location: { file: 'a/b.yaml', line: 2, column: 1 },
      },
    ]);
  });

  test('a partly invalid file delivers its valid documents and is listed as invalid', () => {
    const r = check({
      'net.yaml': `${bridge('good', '  node: pve\n  iface: vmbr1\n')}---\n${bridge('bad', '  node: pve\n  iface: a-b\n')}`,
    });
    assert.deepEqual(
      r.docs.map((d) => d.name),
      ['good'],
    );
    assert.deepEqual(r.invalidFiles, ['net.yaml']);
    assert.equal(r.issues[0]?.name, 'bad');
    assert.equal(r.issues[0]?.kind, 'Bridge');
  });

  test('an unparsable file delivers nothing, even its well-formed documents', () => {
    const r = check({
      'net.yaml': `${bridge('good', '  node: pve\n  iface: vmbr1\n')}---\nfoo: [\n`,
    });
    assert.deepEqual(r.docs, []);
    assert.deepEqual(r.invalidFiles, ['net.yaml']);
  });
});

describe('duplicates of one kind/name', () => {
  test('are reported at the second occurrence naming the first, and neither copy is delivered', () => {
    const r = check({
      'a.yaml': bridge('lan', '  node: pve\n  iface: vmbr1\n'),
      'b.yaml': `${bridge('other', '  node: pve\n  iface: vmbr3\n')}---\n${bridge('lan', '  node: pve\n  iface: vmbr2\n')}`,
    });
    assert.deepEqual(
      r.issues.map((i) => formatIssue(i)),
      [
        'b.yaml:12:9: Bridge/lan metadata.name: duplicate Bridge/lan: already defined at a.yaml:4:9',
      ],
    );
    assert.deepEqual(r.invalidFiles, ['a.yaml', 'b.yaml']);
    assert.deepEqual(
      r.docs.map((d) => d.name),
      ['other'],
    );
  });

  test('within one file are reported too', () => {
    const doc = bridge('lan', '  node: pve\n  iface: vmbr1\n');
    const r = check({ 'a.yaml': `${doc}---\n${doc}` });
    assert.deepEqual(r.issues.map(where), ['a.yaml:12:9 metadata.name']);
    assert.deepEqual(r.docs, []);
  });

  test('the same name in two kinds is not a duplicate', () => {
    const other = { kind: 'Other', plural: 'others', schema: { type: 'object' } };
    const v = new ManifestValidator([...kindDefinitions(), other]);
    const text = `${bridge('lan', '  node: pve\n  iface: vmbr1\n')}---\napiVersion: pxr/v1alpha1\nkind: Other\nmetadata: {name: lan}\nspec: {}\n`;
    const r = v.validate([v.parse('a.yaml', text)]);
    assert.deepEqual(r.issues, []);
    assert.deepEqual(
      r.docs.map((d) => `${d.kind}/${d.name}`),
      ['Bridge/lan', 'Other/lan'],
    );
  });
});

describe('a kind whose semantic checks throw', () => {
  test('makes the document invalid with an issue instead of failing the whole read', () => {
    const fragile = {
      kind: 'Fragile',
      plural: 'fragiles',
      schema: { type: 'object' },
      validate: (): never => {
        throw new TypeError('boom');
      },
    };
    const v = new ManifestValidator([fragile]);
    const text = 'apiVersion: pxr/v1alpha1\nkind: Fragile\nmetadata: {name: f}\nspec: {a: 1}\n';
    const r = v.validate([v.parse('f.yaml', text)]);
    assert.deepEqual(r.docs, []);
    assert.deepEqual(
      r.issues.map((i) => formatIssue(i)),
      ['f.yaml:4:7: Fragile/f spec: the Fragile checks failed on this document: boom'],
    );
  });
});

describe('formatIssue', () => {
  test('prints the compiler-style line pxr validate shows, prefixed with the folder', () => {
    const r = check({ 'net.yaml': bridge('lan', '  node: pve\n  iface: proximity-lan\n') });
    assert.equal(
      formatIssue(r.issues[0]!, 'manifests'),
      "manifests/net.yaml:7:10: Bridge/lan spec.iface: invalid interface name 'proximity-lan' (Proxmox allows ^[a-z][a-z0-9_]{1,20}([:.]\\d+)?$); try 'proximity_lan'",
    );
  });

  test('omits kind and field when the issue has none', () => {
    assert.equal(
      formatIssue({
        file: 'x.yaml',
        line: 3,
        column: 1,
        field: '',
        message: 'YAML syntax error: boom',
      }),
      'x.yaml:3:1: YAML syntax error: boom',
    );
  });
});
