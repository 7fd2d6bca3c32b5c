/**
 * Semantic checks of an AppContainer beyond its JSON Schema: what Proxmox would reject (or accept and
 * then fail on), with a field path and a message that says how to fix it. Runs on the raw spec even
 * when the schema failed, so it only trusts values it has type-checked.
 */
import type { ManifestDoc, SourceIssue } from '../../source/types.js';
import { rawApplianceNic } from '../guest-nics/nics.js';
import { validateNics } from '../guest-nics/validate.js';
import { recordOrUndefined as obj } from '../../core/records.js';

export type SemanticIssue = Omit<SourceIssue, 'file' | 'line' | 'column'>;

export function validateAppContainer(doc: ManifestDoc): SemanticIssue[] {
  const spec = doc.spec;
  const issues: SemanticIssue[] = [];
  const add = (field: string, message: string): void => {
    issues.push({ field: `spec.${field}`, message });
  };

  issues.push(...validateNics(spec));

  const expose = spec['expose'];
  if (Array.isArray(expose) && expose.length > 0 && rawApplianceNic(spec) === undefined)
    add(
      'expose',
      'expose needs a NIC that joins an appliance (network.appliance or networks[i].appliance): the appliance runs the reverse proxy',
    );

  const mps = spec['mountPoints'];
  if (Array.isArray(mps)) {
    const seen = new Map<string, number>();
    mps.forEach((m: unknown, i) => {
      const path = obj(m)?.['path'];
      if (typeof path !== 'string') return;
      if (path === '/')
        add(`mountPoints[${i}].path`, "'/' is the root file system; use resources.disk");
      const first = seen.get(path);
      if (first !== undefined)
        add(
          `mountPoints[${i}].path`,
          `path '${path}' is mounted twice (also mountPoints[${first}])`,
        );
      else seen.set(path, i);
    });
  }

  const auth = obj(spec['auth']);
  const keys = auth?.['sshPublicKeys'];
  if (Array.isArray(keys)) {
    keys.forEach((k: unknown, i) => {
      if (typeof k === 'string' && !/^(ssh-|ecdsa-|sk-)\S+ \S+/.test(k.trim()))
        add(
          `auth.sshPublicKeys[${i}]`,
          'not an SSH public key (expected e.g. `ssh-ed25519 AAAA... comment`)',
        );
    });
  }

  const startup = obj(spec['startup']);
  if (startup && Object.keys(startup).length === 0)
    add('startup', 'empty startup: set order, up or down, or remove it');
  return issues;
}
