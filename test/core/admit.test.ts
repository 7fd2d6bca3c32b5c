import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { admit } from '../../src/core/admit.js';
import { driftSettings } from '../../src/core/drift-policy.js';
import type { ObjectPlan, PlannedChange } from '../../src/core/kind.js';

const change = (field: string, drift: boolean, aliases?: string[]): PlannedChange => ({
  field,
  desired: 1,
  actual: 2,
  calls: [`PUT ${field}`],
  drift,
  ...(aliases ? { aliases } : {}),
});

const plan: ObjectPlan = {
  changes: [
    change('memory', true),
    change('ports', true, ['bridge_ports']),
    change('cores', false),
    change('state', true),
  ],
  unknown: ['password'],
};

const fields = (cs: readonly PlannedChange[]): string[] => cs.map((c) => c.field);

describe('admit: drift policy and ignore-fields, once for every kind', () => {
  const cases: {
    name: string;
    annotations: Record<string, string>;
    apply: string[];
    held: string[];
    drift: string[];
    corrected: boolean;
  }[] = [
    {
      name: 'correct (default): every change applied, drift reported as corrected',
      annotations: {},
      apply: ['memory', 'ports', 'cores', 'state'],
      held: [],
      drift: ['memory', 'ports', 'state'],
      corrected: true,
    },
    {
      name: 'alert: drift held and reported, spec changes still applied',
      annotations: { 'pxr/drift': 'alert' },
      apply: ['cores'],
      held: ['memory', 'ports', 'state'],
      drift: ['memory', 'ports', 'state'],
      corrected: false,
    },
    {
      name: 'ignore: drift neither applied nor reported',
      annotations: { 'pxr/drift': 'ignore' },
      apply: ['cores'],
      held: [],
      drift: [],
      corrected: false,
    },
    {
      name: 'ignore-fields by spec name and by alias drop that drift only',
      annotations: { 'pxr/drift-ignore': 'memory, bridge_ports' },
      apply: ['cores', 'state'],
      held: [],
      drift: ['state'],
      corrected: true,
    },
    {
      name: 'ignore-fields never hold back a spec change',
      annotations: { 'pxr/drift-ignore': 'cores' },
      apply: ['memory', 'ports', 'cores', 'state'],
      held: [],
      drift: ['memory', 'ports', 'state'],
      corrected: true,
    },
    {
      name: 'alert with ignore-fields: ignored drift is not even held',
      annotations: { 'pxr/drift': 'alert', 'pxr/drift-ignore': 'state' },
      apply: ['cores'],
      held: ['memory', 'ports'],
      drift: ['memory', 'ports'],
      corrected: false,
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const a = admit(plan, driftSettings(c.annotations));
      assert.deepEqual(fields(a.plan.changes), c.apply);
      assert.deepEqual(fields(a.plan.held), c.held);
      assert.deepEqual(
        a.drift.map((d) => d.field),
        c.drift,
      );
      assert.equal(a.corrected, c.corrected);
      assert.deepEqual(a.plan.unknown, ['password'], 'unknown fields pass through');
    });
  }

  test('the plan given is not changed', () => {
    const before = structuredClone(plan);
    admit(plan, driftSettings({ 'pxr/drift': 'alert' }));
    assert.deepEqual(plan, before);
  });
});
