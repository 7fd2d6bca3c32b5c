/**
 * Zone and VNet ids as pve-network limits them (`pve-sdn-zone-id` / `pve-sdn-vnet-id`: a letter,
 * then letters and digits, 2 to 8 characters). pxr uses `metadata.name` as the id, so a name that
 * Proxmox would refuse is an error of the manifest, with a name it would take as the suggestion.
 */
export const SDN_ID_PATTERN = '^[a-zA-Z][a-zA-Z0-9]*[a-zA-Z0-9]$';
export const SDN_ID_MAX_LENGTH = 8;

/** A name Proxmox accepts, as close to `name` as possible (letters and digits only, 2..8). */
export function suggestSdnId(name: string): string {
  let s = name.replace(/[^a-zA-Z0-9]/g, '').replace(/^[0-9]+/, '');
  if (s === '') s = 'net';
  s = s.slice(0, SDN_ID_MAX_LENGTH);
  return s.length < 2 ? `${s}0` : s;
}

/** Why Proxmox would refuse `name` as a zone or VNet id, with a suggestion; undefined when fine. */
export function sdnIdProblem(what: 'zone' | 'VNet', name: string): string | undefined {
  const fits = new RegExp(SDN_ID_PATTERN).test(name) && name.length <= SDN_ID_MAX_LENGTH;
  if (fits) return undefined;
  return (
    `'${name}' cannot be a Proxmox SDN ${what} id (a letter, then letters or digits, 2 to ` +
    `${SDN_ID_MAX_LENGTH} characters; metadata.name is the id): try '${suggestSdnId(name)}'`
  );
}
