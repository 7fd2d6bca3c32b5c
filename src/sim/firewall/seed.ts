/** Initial firewall state: everything empty, as on a freshly installed cluster. */
import type { FirewallState, GuestFirewallState } from './state.js';
import type { NodeState } from '../state.js';

export function seedClusterFirewall(): FirewallState {
  return { options: {}, rules: [], groups: {}, ipsets: {}, aliases: {} };
}

/** A guest's firewall before anything was configured (no `<vmid>.fw` file). */
export function emptyGuestFirewall(): GuestFirewallState {
  return { options: {}, rules: [], ipsets: {}, aliases: {} };
}

/** A node's `host.fw` before anything was configured. */
export function emptyNodeFirewall(): NodeState['firewall'] {
  return { options: {}, rules: [] };
}
