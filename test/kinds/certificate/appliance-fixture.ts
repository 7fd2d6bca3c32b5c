/** An Appliance as its reconciler leaves it (Ready or not, its container's VMID known), seeded into the harness. */
import { issuerObj, type Harness } from './harness.js';

export function seedAppliance(
  h: Harness,
  name: string,
  proxy: { httpPort: number; httpsPort?: number; adminListen?: string },
  ready = true,
): void {
  h.objects.set(`Appliance/${name}`, {
    ...issuerObj(name, {}),
    kind: 'Appliance',
    spec: {
      node: 'pve',
      lan: { bridge: 'vmbr10', cidr: '10.20.0.1/24' },
      wan: { bridge: 'vmbr0' },
      dhcp: { range: { start: '10.20.0.100', end: '10.20.0.199' } },
      dns: { domain: 'prox.local' },
      proxy,
      access: { transport: 'simulated' },
    },
  });
  h.status.set(`Appliance/${name}`, { ready, observed: { vmid: 102 }, observedGeneration: 1 });
}
