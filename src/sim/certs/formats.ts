/**
 * Registers pve-common's PEM formats (`pem-certificate`, `pem-certificate-chain`, `pem-string`)
 * so the core validator rejects non-PEM uploads with Proxmox's text. Imported by ./endpoints.ts.
 */
import { registerFormat } from '../formats.js';
import { isPem, PEM_ERROR } from './pem.js';

registerFormat('pem-certificate', (v) => (isPem(v) ? undefined : PEM_ERROR));
registerFormat('pem-certificate-chain', (v) =>
  isPem(v, { multiple: true }) ? undefined : PEM_ERROR,
);
registerFormat('pem-string', (v) => (isPem(v, { anyLabel: true }) ? undefined : PEM_ERROR));
