/**
 * Registers the parameter formats pve-firewall defines (Firewall.pm `register_format` calls), so
 * the core validator answers `400 {"dport":"invalid format - invalid port 'x'\n"}` like Proxmox.
 * Imported for its effect by ./endpoints.ts.
 */
import { registerFormat } from '../formats.js';
import { parsePropertyString, type PropFormat } from '../lxc/property-string.js';
import { parseAddressList, verifyIpOrCidr, verifyIpOrCidrOrAlias } from './addr.js';
import { parsePortSpec } from './ports.js';
import { isKnownProtocol, ICMP_TYPES, ICMPV6_TYPES } from './protocols.js';

const CONNTRACK_HELPERS = new Set([
  'amanda',
  'ftp',
  'irc',
  'netbios-ns',
  'pptp',
  'sane',
  'sip',
  'snmp',
  'tftp',
]);

// pve-firewall defines IPorCIDR: any prefix length, host bits allowed (cleaned before Net::IP
// checks it); this replaces the core's stricter CIDR-based default.
registerFormat('IPorCIDR', verifyIpOrCidr);
registerFormat('IPorCIDRorAlias', verifyIpOrCidrOrAlias);
registerFormat('pve-fw-addr-spec', (v) => {
  parseAddressList(v);
});
// The dport format accepts ICMP type names: they used to be stored in dport.
registerFormat('pve-fw-dport-spec', (v) => parsePortSpec(v, true));
registerFormat('pve-fw-sport-spec', (v) => parsePortSpec(v, false));
registerFormat('pve-fw-protocol-spec', (v) =>
  v !== '' && !isKnownProtocol(v) ? `unknown protocol '${v}'` : undefined,
);
registerFormat('pve-fw-icmp-type-spec', (v) =>
  v !== '' && !ICMP_TYPES.has(v) && !ICMPV6_TYPES.has(v)
    ? `invalid icmp-type value '${v}'`
    : undefined,
);
registerFormat('pve-fw-conntrack-helper', (v) => {
  const helpers = v.split(',');
  if (helpers.join(',') !== v) return 'extraneous commas in list';
  const bad = helpers.find((h) => !CONNTRACK_HELPERS.has(h));
  // Perl's die here has no trailing newline, so it carries " at .../Firewall.pm line N."; we
  // keep the meaningful part.
  return bad === undefined ? undefined : `unknown helper ${bad}`;
});

/** pve-firewall PVE/Firewall.pm `$cluster_option_properties->{log_ratelimit}` (an inline format). */
const LOG_RATELIMIT: PropFormat = {
  enable: { type: 'boolean', defaultKey: true, default: 1 },
  rate: { type: 'string', optional: true, pattern: /[1-9][0-9]*\/(second|minute|hour|day)/ },
  burst: { type: 'integer', optional: true, minimum: 0 },
};
registerFormat('pve-fw-log-ratelimit', (v) => {
  parsePropertyString(LOG_RATELIMIT, v);
});
