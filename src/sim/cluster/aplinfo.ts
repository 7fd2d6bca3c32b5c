/**
 * `GET /nodes/{node}/aplinfo` (pve-manager `PVE/API2/Nodes.pm` aplinfo over
 * `PVE/APLInfo.pm` `read_aplinfo_from_fh`): the appliance index, built from the simulator's seeded
 * system templates with the keys the parser produces (`template`, `source`, `location` made
 * absolute, `headline`/`description` from `Description:`). The checksums of the real index are
 * not invented: the simulator downloads nothing.
 */
import type { EndpointDef, RequestContext } from '../types.js';
import { SEED_TEMPLATES } from '../seed.js';
import { nodeParam } from './params.js';

const SOURCE = 'http://download.proxmox.com/images';
const INFOPAGE = 'https://pve.proxmox.com/wiki/Linux_Container#pct_supported_distributions';

const HEADLINES: Record<string, [string, string]> = {
  'debian-12': [
    'Debian 12 Bookworm (standard)',
    'A small Debian Bookworm system including all standard packages.',
  ],
  'ubuntu-24.04': [
    'Ubuntu 24.04 Noble (standard)',
    'A small Ubuntu 24.04 Noble Numbat system including all standard packages.',
  ],
  'alpine-3.20': ['LXC default image for alpine 3.20 (20240908)', ''],
};

function appliance(file: string): Record<string, string> {
  // debian-12-standard_12.7-1_amd64.tar.zst -> package, version, architecture
  const m = /^(([a-z]+)-([\d.]+)-[a-z]+)_([^_]+)_([^_.]+)\./.exec(file);
  const pkg = m?.[1] ?? file;
  const distro = m?.[2] ?? '';
  const release = m?.[3] ?? '';
  const os = distro === 'alpine' ? 'alpine' : `${distro}-${release}`;
  const [headline, description] = HEADLINES[`${distro}-${release}`] ?? [pkg, ''];
  return {
    package: pkg,
    version: m?.[4] ?? '',
    type: 'lxc',
    os,
    section: 'system',
    maintainer: 'Proxmox Support Team <support@proxmox.com>',
    architecture: m?.[5] ?? 'amd64',
    location: `${SOURCE}/system/${file}`,
    infopage: INFOPAGE,
    headline,
    description,
    source: SOURCE,
    template: file,
  };
}

export const aplinfoEndpoints: EndpointDef[] = [
  {
    method: 'GET',
    path: '/nodes/{node}/aplinfo',
    params: { node: nodeParam },
    returns: 'array',
    handler: ({ sim, params }: RequestContext): unknown => {
      sim.node(params.node as string);
      return SEED_TEMPLATES.map((t) => appliance(t.file));
    },
  },
];
