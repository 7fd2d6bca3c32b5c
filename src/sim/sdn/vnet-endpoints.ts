/**
 * `/cluster/sdn/vnets` (pve-network `PVE::API2::Network::SDN::Vnets`): each vnet names its zone,
 * and the zone type's `vnet_update_hook` checks the tag.
 */
import { die, paramError, type EndpointDef, type RequestContext } from '../types.js';
import {
  assertDigest,
  checkSdnId,
  chosenConfig,
  deleteKeys,
  lockSdnConfig,
  settingsOf,
} from './config.js';
import { lockTokenParam, vnetCreateParams, vnetUpdateParams, viewParams } from './params.js';
import { sdnState, type SdnState } from './state.js';

const vnetParam = vnetCreateParams['vnet'] as never;

function view(id: string, section: Record<string, unknown>, digest?: string): object {
  const out: Record<string, unknown> = { ...section, vnet: id };
  if (digest !== undefined) out['digest'] = digest;
  return out;
}

function hasSubnets(sdn: SdnState, vnet: string): boolean {
  return Object.values(sdn.config.subnets).some((s) => s['vnet'] === vnet);
}

/** Zone plugin `vnet_update_hook` + VnetPlugin `on_update_hook`, on the edited vnets. */
function checkVnet(sdn: SdnState, id: string): void {
  const vnet = sdn.config.vnets[id] ?? {};
  const zone = sdn.config.zones[String(vnet['zone'])];
  // SectionConfig lookup of the zone's type: an unknown zone has none
  if (!zone) die(`unknown section type ''`);
  const tag = vnet['tag'];
  const others = Object.keys(sdn.config.vnets)
    .sort()
    .filter((o) => o !== id);
  if (zone['type'] === 'simple' && tag !== undefined) {
    paramError({ tag: 'vlan tag is not allowed on simple zone' });
  }
  if (zone['type'] === 'vlan') {
    if (tag === undefined) paramError({ tag: 'missing vlan tag' });
    if (Number(tag) > 4096) paramError({ tag: 'vlan tag max value is 4096' });
    for (const o of others) {
      const other = sdn.config.vnets[o] ?? {};
      if (other['zone'] === vnet['zone'] && other['tag'] === tag) {
        paramError({ tag: `tag ${String(tag)} already exist in vnet ${o}` });
      }
    }
  }
  if (zone['type'] === 'vxlan') {
    if (tag === undefined) paramError({ tag: 'missing vxlan tag' });
    for (const o of others) {
      const other = sdn.config.vnets[o] ?? {};
      const otherZone = String(other['zone']);
      const t = sdn.config.zones[otherZone]?.['type'];
      if ((t === 'vxlan' || t === 'evpn') && other['tag'] === tag) {
        paramError({
          tag: `vxlan tag ${String(tag)} already exist in vnet ${o} in zone ${otherZone} `,
        });
      }
    }
  }
  if (vnet['vlanaware'] === 1 && hasSubnets(sdn, id)) {
    paramError({ vlanaware: 'vlanaware vnet is not compatible with subnets' });
  }
}

export const vnetEndpoints: EndpointDef[] = [
  {
    method: 'GET',
    path: '/cluster/sdn/vnets',
    params: { ...viewParams },
    returns: 'array',
    handler({ sim, params }: RequestContext): unknown {
      const { sections, digest } = chosenConfig(sdnState(sim), 'vnets', params);
      return Object.keys(sections)
        .sort()
        .map((id) => view(id, sections[id] ?? {}, digest));
    },
  },
  {
    method: 'POST',
    path: '/cluster/sdn/vnets',
    params: vnetCreateParams,
    permission: { path: '/sdn/zones/{zone}', privs: ['SDN.Allocate'] },
    returns: 'null',
    handler({ sim, params }: RequestContext): unknown {
      const id = checkSdnId('vnet', params['vnet']);
      lockSdnConfig(sim, 'create sdn vnet object failed', params['lock-token'], (sdn) => {
        if (sdn.config.vnets[id]) die(`sdn vnet object ID '${id}' already defined`);
        sdn.config.vnets[id] = { type: 'vnet', ...settingsOf(params, ['vnet', 'type']) };
        try {
          checkVnet(sdn, id);
        } catch (err) {
          // the file is only written when every hook passed
          delete sdn.config.vnets[id];
          throw err;
        }
      });
      return null;
    },
  },
  {
    method: 'GET',
    path: '/cluster/sdn/vnets/{vnet}',
    params: { vnet: vnetParam, ...viewParams },
    returns: 'object',
    handler({ sim, params }: RequestContext): unknown {
      const id = checkSdnId('vnet', params['vnet']);
      const { sections, digest } = chosenConfig(sdnState(sim), 'vnets', params);
      const v = sections[id];
      if (!v) die(`sdn vnet '${id}' does not exist`);
      return view(id, v, digest);
    },
  },
  {
    method: 'PUT',
    path: '/cluster/sdn/vnets/{vnet}',
    params: vnetUpdateParams,
    returns: 'null',
    handler({ sim, params }: RequestContext): unknown {
      const id = checkSdnId('vnet', params['vnet']);
      lockSdnConfig(sim, 'update sdn vnet object failed', params['lock-token'], (sdn) => {
        assertDigest('vnets', sdn, params['digest']);
        const old = sdn.config.vnets[id];
        if (!old) die(`sdn vnet '${id}' does not exist`);
        const opts = settingsOf(params, ['vnet']);
        const next = { ...old };
        deleteKeys(next, params['delete'], ['type', 'zone'], opts);
        Object.assign(next, opts);
        if (next['zone'] === undefined) paramError({ zone: 'cannot delete zone' });
        if (hasSubnets(sdn, id) && next['zone'] !== old['zone']) {
          paramError({ zone: "can't change zone if subnets exist" });
        }
        sdn.config.vnets[id] = next;
        try {
          checkVnet(sdn, id);
        } catch (err) {
          sdn.config.vnets[id] = old;
          throw err;
        }
      });
      return null;
    },
  },
  {
    method: 'DELETE',
    path: '/cluster/sdn/vnets/{vnet}',
    params: { vnet: vnetParam, 'lock-token': lockTokenParam },
    returns: 'null',
    handler({ sim, params }: RequestContext): unknown {
      const id = checkSdnId('vnet', params['vnet']);
      lockSdnConfig(sim, 'delete sdn vnet object failed', params['lock-token'], (sdn) => {
        if (!sdn.config.vnets[id]) die(`sdn vnet '${id}' does not exist`);
        if (hasSubnets(sdn, id)) paramError({ vnet: "Can't delete vnet if subnets exists" });
        delete sdn.config.vnets[id];
      });
      return null;
    },
  },
];
