/**
 * `/cluster/sdn/zones` (pve-network `PVE::API2::Network::SDN::Zones`): edits change `zones.cfg`
 * only; the running config moves on `PUT /cluster/sdn`.
 */
import { die, paramError, type EndpointDef, type RequestContext } from '../types.js';
import {
  assertDigest,
  checkSdnId,
  chosenConfig,
  deleteKeys,
  DIE_AT,
  lockSdnConfig,
  perlDie,
  settingsOf,
} from './config.js';
import { lockTokenParam, viewParams, zoneCreateParams, zoneUpdateParams } from './params.js';
import { sdnState, type SdnSection, type SdnState } from './state.js';

const ALLOCATE = { path: '/sdn/zones/{zone}', privs: ['SDN.Allocate'] } as const;
/** Options each simulated type requires (SectionConfig `options` with `optional => 0`). */
const REQUIRED: Record<string, string[]> = { vlan: ['bridge'], qinq: ['bridge', 'tag'] };
/** IPAMs of a fresh PVE 9 install (`ipams.cfg` holds the built-in `pve`). */
const IPAMS = new Set(['pve']);

function view(id: string, section: Record<string, unknown>, digest?: string): object {
  const out: Record<string, unknown> = { ...section, zone: id };
  if (digest !== undefined) out['digest'] = digest;
  // encode_value of the zone plugin: node lists are a hash in memory, a comma list on the wire
  if (typeof out['nodes'] === 'string') out['nodes'] = out['nodes'].split(',').sort().join(',');
  return out;
}

/** The reference checks create and update share (inside the config lock). */
function checkRefs(opts: SdnSection, zone: SdnSection): void {
  const ipam = opts['ipam'];
  if (typeof ipam === 'string' && !IPAMS.has(ipam)) paramError({ ipam: `${ipam} not existing` });
  if (opts['dns'] !== undefined) paramError({ dns: `${String(opts['dns'])} don't exist` });
  if (opts['dnszone'] !== undefined) paramError({ dnszone: 'missing dns server' });
  // VxlanPlugin on_update_hook
  if (
    zone['type'] === 'vxlan' &&
    (zone['peers'] === undefined) === (zone['fabric'] === undefined)
  ) {
    const msg = 'must have exactly one of peers / fabric defined';
    paramError({ peers: msg, fabric: msg });
  }
}

function existing(sdn: SdnState, id: string): SdnSection {
  const z = sdn.config.zones[id];
  if (!z) die(`sdn '${id}' does not exist`);
  return z;
}

export const zoneEndpoints: EndpointDef[] = [
  {
    method: 'GET',
    path: '/cluster/sdn/zones',
    params: {
      ...viewParams,
      type: { ...(zoneCreateParams['type'] as object), optional: true, format: undefined } as never,
    },
    returns: 'array',
    handler({ sim, params }: RequestContext): unknown {
      const { sections, digest } = chosenConfig(sdnState(sim), 'zones', params);
      return Object.keys(sections)
        .sort()
        .map((id) => view(id, sections[id] ?? {}, digest))
        .filter(
          (z) => params['type'] === undefined || (z as SdnSection)['type'] === params['type'],
        );
    },
  },
  {
    method: 'POST',
    path: '/cluster/sdn/zones',
    params: zoneCreateParams,
    permission: { path: '/sdn/zones', privs: ['SDN.Allocate'] },
    returns: 'null',
    handler({ sim, params }: RequestContext): unknown {
      const id = checkSdnId('zone', params['zone']);
      const opts = settingsOf(params, ['zone']);
      for (const k of REQUIRED[String(params['type'])] ?? []) {
        if (opts[k] === undefined) die(`missing value for required option '${k}'`);
      }
      lockSdnConfig(sim, 'create sdn zone object failed', params['lock-token'], (sdn) => {
        if (sdn.config.zones[id]) die(`sdn zone object ID '${id}' already defined`);
        checkRefs(opts, opts);
        sdn.config.zones[id] = opts;
      });
      return null;
    },
  },
  {
    method: 'GET',
    path: '/cluster/sdn/zones/{zone}',
    params: { zone: zoneCreateParams['zone'] as never, ...viewParams },
    permission: ALLOCATE,
    returns: 'object',
    handler({ sim, params }: RequestContext): unknown {
      const id = checkSdnId('zone', params['zone']);
      const { sections, digest } = chosenConfig(sdnState(sim), 'zones', params);
      const z = sections[id];
      if (!z) die(`sdn '${id}' does not exist`);
      return view(id, z, digest);
    },
  },
  {
    method: 'PUT',
    path: '/cluster/sdn/zones/{zone}',
    params: zoneUpdateParams,
    permission: ALLOCATE,
    returns: 'null',
    handler({ sim, params }: RequestContext): unknown {
      const id = checkSdnId('zone', params['zone']);
      lockSdnConfig(sim, 'update sdn zone object failed', params['lock-token'], (sdn) => {
        assertDigest('zones', sdn, params['digest']);
        const zone = existing(sdn, id);
        const opts = settingsOf(params, ['zone']);
        const next = { ...zone };
        deleteKeys(
          next,
          params['delete'],
          ['type', ...(REQUIRED[String(zone['type'])] ?? [])],
          opts,
        );
        Object.assign(next, opts);
        if ((next['ipam'] ?? '') !== (zone['ipam'] ?? '')) {
          const used = Object.values(sdn.config.subnets).some((s) => s['zone'] === id);
          if (used)
            paramError({ ipam: "can't change ipam if a subnet is already defined in this zone" });
        }
        checkRefs(opts, next);
        sdn.config.zones[id] = next;
      });
      return null;
    },
  },
  {
    method: 'DELETE',
    path: '/cluster/sdn/zones/{zone}',
    params: { zone: zoneCreateParams['zone'] as never, 'lock-token': lockTokenParam },
    permission: ALLOCATE,
    returns: 'null',
    handler({ sim, params }: RequestContext): unknown {
      const id = checkSdnId('zone', params['zone']);
      lockSdnConfig(sim, 'delete sdn zone object failed', params['lock-token'], (sdn) => {
        existing(sdn, id);
        // Plugin on_delete_hook: hash order upstream, sorted here
        for (const vnet of Object.keys(sdn.config.vnets).sort()) {
          if (sdn.config.vnets[vnet]?.['zone'] === id) {
            perlDie(`zone ${id} is used by vnet ${vnet}`, DIE_AT.zoneInUse);
          }
        }
        delete sdn.config.zones[id];
      });
      return null;
    },
  },
];
