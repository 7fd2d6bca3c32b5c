/**
 * Semantic checks of a VirtualMachine beyond its JSON Schema, with a field path and a message that
 * says how to fix it. Runs on the raw spec even when the schema failed, so it only trusts values it
 * has type-checked.
 */
import type { ManifestDoc, SourceIssue } from '../../source/types.js';
import { validateNics } from '../guest-nics/validate.js';
import { recordOrUndefined as obj } from '../../core/records.js';

export type SemanticIssue = Omit<SourceIssue, 'file' | 'line' | 'column'>;

export function validateVirtualMachine(doc: ManifestDoc): SemanticIssue[] {
  const spec = doc.spec;
  const issues: SemanticIssue[] = [];
  const add = (field: string, message: string): void => {
    issues.push({ field: `spec.${field}`, message });
  };
  const src = obj(spec['source']);
  if (src) {
    const image = src['image'];
    const clone = src['clone'];
    if (image === undefined && clone === undefined)
      add('source', 'set source.image (a volume id or an https URL) or source.clone');
    if (image !== undefined && clone !== undefined)
      add('source', 'set either source.image or source.clone, not both');
    if (typeof image === 'string') {
      const url = /^https?:\/\//.test(image);
      if (url && src['checksum'] === undefined)
        add('source.checksum', 'a downloaded image needs its checksum, e.g. `sha512:…`');
      if (!url && !/^[a-z][a-z0-9\-_.]*[a-z0-9]:.+/.test(image))
        add('source.image', 'not a volume id (`local:import/debian-12.qcow2`) nor an https URL');
      if (url && !/\.(qcow2|raw|vmdk|img)$/i.test(new URL(image).pathname))
        add('source.image', 'the URL must name a .qcow2, .raw, .vmdk or .img file');
    }
  }
  const memory = spec['memory'];
  const balloon = spec['balloon'];
  if (typeof balloon === 'number' && typeof memory === 'number' && balloon > memory)
    add('balloon', `balloon (${balloon} MiB) cannot exceed memory (${memory} MiB)`);
  const disks = spec['disks'];
  if (Array.isArray(disks)) {
    disks.forEach((d: unknown, i) => {
      const r = obj(d);
      if (r?.['bus'] === 'virtio' && r['ssd'] === true)
        add(`disks[${i}].ssd`, 'virtio disks have no ssd option; use bus: scsi');
    });
  }
  issues.push(...validateNics(spec));
  const expose = spec['expose'];
  const nics = spec['networks'];
  const onLan =
    Array.isArray(nics) && nics.some((n: unknown) => obj(n)?.['appliance'] !== undefined);
  if (Array.isArray(expose) && expose.length > 0 && !onLan)
    add('expose', 'expose needs a NIC with appliance (the appliance runs the reverse proxy)');
  if (Array.isArray(nics)) {
    nics.forEach((n: unknown, i) => {
      const mtu = obj(n)?.['mtu'];
      if (typeof mtu === 'number' && mtu !== 1 && (mtu < 576 || mtu > 65520))
        add(`networks[${i}].mtu`, 'a VM NIC MTU is 576–65520, or 1 for the bridge’s MTU');
    });
  }
  const ci = obj(spec['cloudInit']);
  if (ci && Array.isArray(nics)) {
    nics.forEach((n: unknown, i) => {
      // No ipconfig<i> makes Proxmox's cloud-init configure the NIC by DHCP, not leave it down.
      if (obj(n)?.['ip'] === 'none')
        add(
          `networks[${i}].ip`,
          'ip: none cannot be expressed with cloud-init: Proxmox configures a NIC without ipconfig by DHCP; use ip: dhcp or a static address',
        );
    });
  }
  const keys = ci?.['sshKeys'];
  if (Array.isArray(keys)) {
    keys.forEach((k: unknown, i) => {
      if (typeof k === 'string' && !/^(ssh-|ecdsa-|sk-)\S+ \S+/.test(k.trim()))
        add(
          `cloudInit.sshKeys[${i}]`,
          'not an SSH public key (expected e.g. `ssh-ed25519 AAAA... comment`)',
        );
    });
  }
  const startup = obj(spec['startup']);
  if (startup && Object.keys(startup).length === 0)
    add('startup', 'empty startup: set order, up or down, or remove it');
  return issues;
}
