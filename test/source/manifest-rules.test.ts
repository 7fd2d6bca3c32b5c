/**
 * Manifest rules found by the soak test: `pxr/` annotations are checked (a typo in `pxr/prune` used
 * to pass and the object was destroyed on removal), numbers JavaScript cannot hold exactly are
 * refused instead of rounded, and nesting is bounded so the same bad file always gives the same issue.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { kindDefinitions } from '../../src/kinds/registry.js';
import { formatIssue } from '../../src/source/format.js';
import { MAX_NESTING_DEPTH } from '../../src/source/parse.js';
import type { SourceIssue } from '../../src/source/types.js';
import { ManifestValidator } from '../../src/source/validate.js';

const validator = new ManifestValidator(kindDefinitions());
const check = (text: string, file = 'm.yaml') => validator.validate([validator.parse(file, text)]);

function bridge(metadataExtra = '', specExtra = ''): string {
  return (
    'apiVersion: pxr/v1alpha1\nkind: Bridge\nmetadata:\n  name: lan\n' +
    metadataExtra +
    'spec:\n  node: pve\n  iface: vmbr1\n' +
    specExtra
  );
}

function container(resources: string): string {
  return (
    'apiVersion: pxr/v1alpha1\nkind: AppContainer\nmetadata:\n  name: web\nspec:\n' +
    '  node: pve\n  template: local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst\n' +
    '  network: { bridge: vmbr1, ip: 10.10.0.20/24, gateway: 10.10.0.1 }\n' +
    `  resources:\n${resources}`
  );
}

function only(issues: readonly SourceIssue[]): SourceIssue {
  assert.equal(
    issues.length,
    1,
    `exactly one issue: ${issues.map((i) => formatIssue(i)).join('\n')}`,
  );
  return issues[0]!;
}

describe('pxr/ annotations', () => {
  test('a known annotation with a valid value passes', () => {
    const r = check(
      bridge(
        '  annotations:\n    pxr/drift: alert\n    pxr/prune: disabled\n' +
          '    pxr/drift-ignore: bridge_ports, comments\n    example.com/owner: me\n',
      ),
    );
    assert.deepEqual(r.issues, []);
    assert.equal(r.docs.length, 1);
  });

  test('pxr/prune: Disabled is an error at the value, with a suggestion; the document is not delivered', () => {
    const r = check(bridge('  annotations:\n    pxr/prune: Disabled\n'));
    const i = only(r.issues);
    assert.deepEqual([i.line, i.column, i.field], [6, 16, 'metadata.annotations.pxr/prune']);
    assert.match(i.message, /invalid value 'Disabled' for pxr\/prune.*did you mean 'disabled'\?/);
    assert.equal(r.docs.length, 0);
    assert.deepEqual(r.invalidFiles, ['m.yaml']);
  });

  test('pxr/drift accepts only correct, alert or ignore (case-sensitive)', () => {
    for (const bad of ['Alert', 'alrt', 'off']) {
      const i = only(check(bridge(`  annotations:\n    pxr/drift: ${bad}\n`)).issues);
      assert.equal(i.field, 'metadata.annotations.pxr/drift');
      assert.match(i.message, /one of correct, alert, ignore/);
    }
  });

  test('pxr/drift-ignore must list field names', () => {
    const i = only(check(bridge("  annotations:\n    pxr/drift-ignore: 'ports, a b'\n")).issues);
    assert.match(i.message, /'a b' is not a field/);
  });

  test('an unknown pxr/ annotation is an error at its key with a did-you-mean', () => {
    const i = only(check(bridge('  annotations:\n    pxr/prnue: disabled\n')).issues);
    assert.deepEqual([i.line, i.column], [6, 5]);
    assert.match(i.message, /unknown annotation 'pxr\/prnue'; did you mean 'pxr\/prune'\?/);
    const far = only(check(bridge('  annotations:\n    pxr/colour: red\n')).issues);
    assert.match(far.message, /known: pxr\/drift, pxr\/drift-ignore, pxr\/prune/);
  });
});

describe('numbers', () => {
  test('an integer above 2^53-1 is refused where it is written, not rounded', () => {
    const i = only(check(bridge('', '  mtu: 9007199254740993\n')).issues);
    assert.deepEqual([i.line, i.column, i.field], [8, 8, 'spec.mtu']);
    assert.match(
      i.message,
      /9007199254740993 is outside the exact range.*read as 9007199254740992/,
    );
  });

  test('memory: 1e30 is refused', () => {
    const r = check(container('    memory: 1e30\n'));
    assert.equal(r.docs.length, 0);
    assert.match(only(r.issues).message, /1e30 is outside the exact range/);
  });

  test('memory and swap have an upper bound even below 2^53', () => {
    const r = check(container('    memory: 4503599627370496\n    swap: 4503599627370496\n'));
    assert.deepEqual(
      r.issues.map((i) => [i.field, /must be <=/.test(i.message)]),
      [
        ['spec.resources.memory', true],
        ['spec.resources.swap', true],
      ],
    );
  });

  test('.inf and .nan are not numbers a manifest can hold', () => {
    const i = only(check(bridge('', '  mtu: .inf\n')).issues);
    assert.match(i.message, /\.inf is not a finite number/);
  });

  test('the same rule holds in a .json file', () => {
    const text = JSON.stringify({
      apiVersion: 'pxr/v1alpha1',
      kind: 'Bridge',
      metadata: { name: 'lan' },
      spec: { node: 'pve', iface: 'vmbr1' },
    }).replace('"vmbr1"}', '"vmbr1","mtu":9007199254740993}');
    assert.match(only(check(text, 'm.json').issues).message, /outside the exact range/);
  });
});

describe('deep nesting', () => {
  const deep = (levels: number): string =>
    bridge('', `  extra: ${'['.repeat(levels)}${']'.repeat(levels)}\n`);

  test('nesting beyond the limit is one located issue; the file delivers nothing', () => {
    const r = check(deep(MAX_NESTING_DEPTH + 5));
    const i = only(r.issues);
    assert.match(i.message, new RegExp(`nested more than ${MAX_NESTING_DEPTH} levels`));
    assert.equal(i.line, 8);
    assert.equal(r.docs.length, 0);
  });

  test('a stack-overflowing file gives the same issue on every read, whatever the stack depth', () => {
    const text = deep(30_000);
    // The old parser overflowed the stack at a point that depended on the caller's stack: each read
    // gave a different location, so a new event instead of a repeated one.
    const nested = (n: number): SourceIssue[] => (n === 0 ? check(text).issues : nested(n - 1));
    const first = check(text).issues.map((i) => formatIssue(i));
    assert.equal(first.length, 1);
    for (const depth of [10, 200, 1000]) {
      assert.deepEqual(
        nested(depth).map((i) => formatIssue(i)),
        first,
        `read under ${depth} extra frames`,
      );
    }
  });

  test('the limit is generous for real manifests', () => {
    const r = check(deep(MAX_NESTING_DEPTH - 3));
    assert.ok(!r.issues.some((i) => /nested more than/.test(i.message)));
  });
});
