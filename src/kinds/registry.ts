/**
 * Every kind pxr knows, each in its own folder (`<kind>/definition.ts`: schema, semantic checks, CLI
 * names and columns, watches, and a factory for its reconciler). A new kind is its folder plus one
 * entry here; the CLI, the source and the composition root loop over this list.
 */
import type { KindModule } from './kind-module.js';
import { bridgeKind } from './bridge/definition.js';
import { applianceKind } from './appliance/definition.js';
import { appContainerKind } from './app-container/definition.js';
import { virtualMachineKind } from './virtual-machine/definition.js';
import { firewallPolicyKind } from './firewall-policy/definition.js';
import { issuerKind } from './issuer/definition.js';
import { certificateKind } from './certificate/definition.js';
import { sdnZoneKind } from './sdn-zone/definition.js';
import { vnetKind } from './vnet/definition.js';

/**
 * The kinds in dependency order (a kind comes after the kinds it depends on). Returns fresh objects
 * so a caller attaching a reconciler never mutates another caller's definitions.
 */
export function kindDefinitions(): KindModule[] {
  return (
    [
      bridgeKind,
      sdnZoneKind,
      vnetKind,
      applianceKind,
      appContainerKind,
      virtualMachineKind,
      firewallPolicyKind,
      issuerKind,
      certificateKind,
    ] as KindModule[]
  ).map((k) => ({ ...k }));
}
