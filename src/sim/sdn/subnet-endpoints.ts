/**
 * `/cluster/sdn/vnets/{vnet}/subnets` (pve-network `PVE::API2::Network::SDN::Subnets`): a subnet
 * is created by its CIDR and named `<zone>-<network>-<mask>`; reads add `cidr`, `network`, `mask`,
 * `zone`, `id` and the parsed `dhcp-range` list.
 */
import { checkFormat, registerFormat } from '../formats.js';
import { die, paramError, type EndpointDef, type RequestContext } from '../types.js';
import { ipToBig, ipVersionOf } from '../firewall/addr.js';
import {
  assertDigest,
  checkSdnId,
  chosenConfig,
  deleteKeys,
  lockSdnConfig,
  settingsOf,
} from './config.js';
import { lockTokenParam, subnetCreateParams, subnetUpdateParams, viewParams } from './params.js';
import { sdnState, type SdnSection, type SdnState } from './state.js';

/** `parse_sdn_subnet_id`: a CIDR, or `zone-network-mask`. */
registerFormat('pve-sdn-subnet-id', (id) => {
  const parts = id.split('-');
  const cidr = id.includes('/') ? id : `${parts[1] ?? ''}/${parts[2] ?? ''}`;
  if (checkFormat('CIDR', cidr) !== undefined) {
    return 'value does not look like a valid CIDR network';
  }
  return undefined;
});

const vnetParam = subnetCreateParams['vnet'] as never;
const subnetParam = subnetCreateParams['subnet'] as never;

/** `subnet_matcher`: same network bits as the subnet. */
function inSubnet(ip: string, cidr: string): boolean {
  const [net = '', bitsText = ''] = cidr.split('/');
  const v = ipVersionOf(ip);
  if (v === undefined || v !== ipVersionOf(net)) return false;
  const width = v === 4 ? 32n : 128n;
  const shift = width - BigInt(Number(bitsText));
  return ipToBig(ip, v) >> shift === ipToBig(net, v) >> shift;
}

interface Range {
  'start-address': string;
  'end-address': string;
}

/** `get_dhcp_ranges`: property strings parsed (unparsable entries are skipped upstream). */
function ranges(value: unknown): Range[] {
  const list = Array.isArray(value) ? (value as string[]) : [];
  const out: Range[] = [];
  for (const item of list) {
    const kv = new Map(
      item.split(',').map((p): [string, string] => {
        const at = p.indexOf('=');
        return [p.slice(0, at), p.slice(at + 1)];
      }),
    );
    const start = kv.get('start-address');
    const end = kv.get('end-address');
    if (start !== undefined && end !== undefined) {
      out.push({ 'start-address': start, 'end-address': end });
    }
  }
  return out;
}

/** SubnetPlugin `on_update_hook`: vnet, gateway and DHCP ranges against the subnet. */
function checkSubnet(sdn: SdnState, id: string, s: SdnSection): void {
  const [, network = '', mask = ''] = id.split('-');
  const cidr = `${network}/${mask}`;
  const vnetId = String(s['vnet']);
  const vnet = sdn.config.vnets[vnetId];
  if (!vnet) paramError({ vnet: `${vnetId} don't exist` });
  if (vnet['vlanaware'] === 1) paramError({ vnet: "you can't add a subnet on a vlanaware vnet" });
  const gw = s['gateway'];
  const pointopoint = typeof gw === 'string' && ipVersionOf(gw) === 4 && mask === '32';
  if (typeof gw === 'string' && !inSubnet(gw, cidr) && !pointopoint) {
    paramError({ gateway: `${gw} is not in subnet ${cidr}` });
  }
  const seen: [bigint, bigint][] = [];
  for (const r of ranges(s['dhcp-range'])) {
    const start = r['start-address'];
    const end = r['end-address'];
    const v = ipVersionOf(start);
    if (v === undefined) paramError({ 'dhcp-range': `start-address is not a valid IP ${start}` });
    const ve = ipVersionOf(end);
    if (ve === undefined) paramError({ 'dhcp-range': `end-address is not a valid IP ${end}` });
    const a = ipToBig(start, v);
    const b = ipToBig(end, ve);
    if (a > b) {
      paramError({
        'dhcp-range': `start-address ${start} must be smaller than end-address ${end}`,
      });
    }
    if (!inSubnet(start, cidr)) {
      paramError({ 'dhcp-range': `start-address ${start} is not in subnet ${cidr}` });
    }
    if (!inSubnet(end, cidr)) {
      paramError({ 'dhcp-range': `end-address ${end} is not in subnet ${cidr}` });
    }
    if (seen.some(([x, y]) => a <= y && x <= b)) {
      paramError({ 'dhcp-range': 'dhcp ranges must not overlap' });
    }
    seen.push([a, b]);
  }
}

function view(id: string, section: Record<string, unknown>, digest?: string): object {
  const [zone = '', network = '', mask = ''] = id.split('-');
  const out: Record<string, unknown> = {
    ...section,
    id,
    subnet: id,
    zone,
    network,
    mask,
    cidr: `${network}/${mask}`,
    'dhcp-range': ranges(section['dhcp-range']),
  };
  if (digest !== undefined) out['digest'] = digest;
  return out;
}

/** `$check_vnet_access` reads the vnet first: an unknown one is a plain 500. */
function vnetOf(sdn: SdnState, vnet: unknown): SdnSection {
  const id = checkSdnId('vnet', vnet);
  const v = sdn.config.vnets[id];
  if (!v) die(`sdn vnet '${id}' does not exist`);
  return v;
}

export const subnetEndpoints: EndpointDef[] = [
  {
    method: 'GET',
    path: '/cluster/sdn/vnets/{vnet}/subnets',
    params: { vnet: vnetParam, ...viewParams },
    returns: 'array',
    handler({ sim, params }: RequestContext): unknown {
      const sdn = sdnState(sim);
      vnetOf(sdn, params['vnet']);
      const { sections, digest } = chosenConfig(sdn, 'subnets', params);
      return Object.keys(sections)
        .sort()
        .filter((id) => sections[id]?.['vnet'] === params['vnet'])
        .map((id) => view(id, sections[id] ?? {}, digest));
    },
  },
  {
    method: 'POST',
    path: '/cluster/sdn/vnets/{vnet}/subnets',
    params: subnetCreateParams,
    returns: 'null',
    handler({ sim, params }: RequestContext): unknown {
      vnetOf(sdnState(sim), params['vnet']);
      lockSdnConfig(sim, 'create sdn subnet object failed', params['lock-token'], (sdn) => {
        const zone = String(sdn.config.vnets[String(params['vnet'])]?.['zone']);
        const id = `${zone}-${String(params['subnet']).replace('/', '-')}`;
        if (sdn.config.subnets[id]) die(`sdn subnet object ID '${id}' already defined`);
        const opts: SdnSection = { type: 'subnet', ...settingsOf(params, ['subnet', 'type']) };
        if (Array.isArray(params['dhcp-range']))
          opts['dhcp-range'] = params['dhcp-range'] as string[];
        checkSubnet(sdn, id, opts);
        sdn.config.subnets[id] = opts;
      });
      return null;
    },
  },
  {
    method: 'GET',
    path: '/cluster/sdn/vnets/{vnet}/subnets/{subnet}',
    params: { vnet: vnetParam, subnet: subnetParam, ...viewParams },
    returns: 'object',
    handler({ sim, params }: RequestContext): unknown {
      const sdn = sdnState(sim);
      vnetOf(sdn, params['vnet']);
      const id = String(params['subnet']);
      const { sections, digest } = chosenConfig(sdn, 'subnets', params);
      const s = sections[id];
      if (!s) die(`sdn subnet '${id}' does not exist`);
      if (s['vnet'] !== params['vnet']) paramError({ vnet: 'wrong vnet' });
      return view(id, s, digest);
    },
  },
  {
    method: 'PUT',
    path: '/cluster/sdn/vnets/{vnet}/subnets/{subnet}',
    params: subnetUpdateParams,
    returns: 'null',
    handler({ sim, params }: RequestContext): unknown {
      const id = String(params['subnet']);
      lockSdnConfig(sim, 'update sdn subnet object failed', params['lock-token'], (sdn) => {
        const old = sdn.config.subnets[id];
        if (!old) die(`sdn subnet '${id}' does not exist`);
        assertDigest('subnets', sdn, params['digest']);
        const opts = settingsOf(params, ['subnet']);
        if (Array.isArray(params['dhcp-range']))
          opts['dhcp-range'] = params['dhcp-range'] as string[];
        const next = { ...old };
        deleteKeys(next, params['delete'], ['type', 'vnet'], opts);
        Object.assign(next, opts);
        checkSubnet(sdn, id, next);
        sdn.config.subnets[id] = next;
      });
      return null;
    },
  },
  {
    method: 'DELETE',
    path: '/cluster/sdn/vnets/{vnet}/subnets/{subnet}',
    params: { vnet: vnetParam, subnet: subnetParam, 'lock-token': lockTokenParam },
    returns: 'null',
    handler({ sim, params }: RequestContext): unknown {
      vnetOf(sdnState(sim), params['vnet']);
      lockSdnConfig(sim, 'delete sdn subnet object failed', params['lock-token'], (sdn) => {
        delete sdn.config.subnets[String(params['subnet'])];
      });
      return null;
    },
  },
];
