/**
 * How often each kind sweeps reality for drift when nothing changed (`--resync`, `PXR_RESYNC`): the
 * one default the runtime and the CLI share.
 */
export const DEFAULT_RESYNC_MS = 30_000;
