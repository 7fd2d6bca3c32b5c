/**
 * Value formats of container config keys that pve-container registers itself
 * (`PVE/LXC/Config.pm`: `verify_ip_with_ll_iface`, `verify_ct_timezone`).
 */
import { checkFormat, registerFormat } from '../formats.js';

/**
 * ICU (and so `Intl`) still names 19 zones by their old ids; zone.tab, which
 * `pve_verify_timezone` reads, has the current ones.
 */
const ICU_LEGACY_TO_ZONE_TAB: Record<string, string> = {
  'America/Buenos_Aires': 'America/Argentina/Buenos_Aires',
  'America/Cordoba': 'America/Argentina/Cordoba',
  'America/Jujuy': 'America/Argentina/Jujuy',
  'America/Catamarca': 'America/Argentina/Catamarca',
  'America/Mendoza': 'America/Argentina/Mendoza',
  'America/Coral_Harbour': 'America/Atikokan',
  'Africa/Asmera': 'Africa/Asmara',
  'Pacific/Truk': 'Pacific/Chuuk',
  'Pacific/Ponape': 'Pacific/Pohnpei',
  'Atlantic/Faeroe': 'Atlantic/Faroe',
  'America/Godthab': 'America/Nuuk',
  'Asia/Calcutta': 'Asia/Kolkata',
  'Pacific/Enderbury': 'Pacific/Kanton',
  'Asia/Rangoon': 'Asia/Yangon',
  'Asia/Katmandu': 'Asia/Kathmandu',
  'Europe/Kiev': 'Europe/Kyiv',
  'America/Louisville': 'America/Kentucky/Louisville',
  'America/Indianapolis': 'America/Indiana/Indianapolis',
  'Asia/Saigon': 'Asia/Ho_Chi_Minh',
};

let zoneTab: Set<string> | undefined;

/** The third column of `/usr/share/zoneinfo/zone.tab`, without reading the host's file. */
function zoneTabNames(): Set<string> {
  zoneTab ??= new Set(
    Intl.supportedValuesOf('timeZone').map((z) => ICU_LEGACY_TO_ZONE_TAB[z] ?? z),
  );
  return zoneTab;
}

/** `pve_verify_timezone` (pve-common JSONSchema.pm): `UTC` or a zone.tab name. */
export function isZoneTabTimezone(v: string): boolean {
  return v === 'UTC' || zoneTabNames().has(v);
}

// `verify_ct_timezone`: `host` copies the host's zone, anything else must be a zone.tab name.
registerFormat('pve-ct-timezone', (v) =>
  v === 'host' || isZoneTabTimezone(v) ? undefined : `invalid time zone '${v}'`,
);

// `verify_ip_with_ll_iface`: an IP, or a link-local IPv6 with its interface (`fe80::1%eth0`).
registerFormat('lxc-ip-with-ll-iface', (v) => {
  const m = /^(fe80:[^%]+)%(.*)$/.exec(v);
  if (
    m?.[1] &&
    checkFormat('ip', m[1]) === undefined &&
    checkFormat('pve-iface', m[2] ?? '') === undefined
  )
    return undefined;
  return checkFormat('ip', v);
});
