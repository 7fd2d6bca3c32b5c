/** Port specs of firewall rules (Firewall.pm `parse_port_name_number_or_range`). Pure. */
import { ICMP_TYPES, ICMPV6_TYPES, SERVICES } from './protocols.js';

/**
 * Checks a `dport`/`sport` list: numbers, `a:b` ranges and service names, at most 15 "numbers".
 * With `icmp` (a dport of an ICMP rule) ICMP type names are accepted too. Throws the Perl text.
 */
export function parsePortSpec(str: string, icmp: boolean): void {
  const elements = str.split(',');
  while (elements.length > 0 && elements[elements.length - 1] === '') elements.pop();
  if (elements.join(',') !== str) throw new Error('extraneous commas in list');
  let count = 0;
  let icmpPort = false;
  for (const item of elements) {
    const range = /^([0-9]+):([0-9]+)$/.exec(item);
    if (range) {
      count += 2;
      const p1 = Number(range[1]);
      const p2 = Number(range[2]);
      if (p1 > 65535) throw new Error(`invalid port '${range[1]}'`);
      if (p2 > 65535) throw new Error(`invalid port '${range[2]}'`);
      if (p1 > p2) {
        throw new Error(
          `backwards range '${range[1]}:${range[2]}' not allowed, did you mean '${range[2]}:${range[1]}'?`,
        );
      }
    } else if (/^[0-9]+$/.test(item)) {
      count += 1;
      if (Number(item) > 65535) throw new Error(`invalid port '${item}'`);
    } else if (icmp && (ICMP_TYPES.has(item) || ICMPV6_TYPES.has(item))) {
      icmpPort = true;
    } else if (!SERVICES.has(item)) {
      throw new Error(`invalid port '${item}'`);
    }
  }
  if (icmpPort && count > 0) throw new Error('ICMP ports not allowed in port range');
  if (count > 15) throw new Error('too many entries in port list (> 15 numbers)');
}
