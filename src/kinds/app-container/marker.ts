/**
 * Ownership: every container pxr creates carries the `pxr` tag (cheap to find in
 * `/cluster/resources`) and a marker line in its description binding it to the object's uid — never
 * to the VMID alone, which Proxmox reuses. The marker is checked before any destructive act.
 */
import { normalizeText } from './propstring.js';

export const PXR_TAG = 'pxr';
const MARKER_RE = /^pxr:uid=([A-Za-z0-9._-]+)\s*$/m;

export function markerLine(uid: string): string {
  return `pxr:uid=${uid}`;
}

/** The uid in a description's marker line, if any. */
export function markerOf(description: string | number | undefined): string | undefined {
  if (description === undefined) return undefined;
  return MARKER_RE.exec(String(description))?.[1];
}

/** The user's notes followed by the marker line (the marker is always last). */
export function descriptionWithMarker(notes: string | undefined, uid: string): string {
  const text = normalizeText(notes).replace(new RegExp(MARKER_RE.source, 'gm'), '').trim();
  return text === '' ? markerLine(uid) : `${text}\n\n${markerLine(uid)}`;
}
