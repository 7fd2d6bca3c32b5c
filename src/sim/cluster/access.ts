/** `/access/ticket`: password login and ticket renewal (FACTS §2). */
import type { EndpointDef, RequestContext } from '../types.js';
import { PveError } from '../types.js';

/**
 * The ticket functions need the simulator's signing key, which handlers cannot see: the simulator
 * installs them here when it is built.
 */
export interface TicketIssuer {
  issue(user: string): { ticket: string; csrf: string };
  /** The user of a valid ticket (renewal sends the old ticket as password). */
  verify(ticket: string): string | undefined;
}

const issuers = new WeakMap<object, TicketIssuer>();

/** Binds a ticket issuer to a simulator context (keyed by the context object). */
export function bindTicketIssuer(ctx: object, issuer: TicketIssuer): void {
  issuers.set(ctx, issuer);
}

const ROOT_CAPS = {
  vms: { 'VM.Allocate': 1, 'VM.Audit': 1, 'VM.Config.Network': 1, 'VM.PowerMgmt': 1 },
  storage: { 'Datastore.Allocate': 1, 'Datastore.AllocateSpace': 1, 'Datastore.Audit': 1 },
  access: { 'User.Modify': 1, 'Permissions.Modify': 1 },
  nodes: { 'Sys.Audit': 1, 'Sys.Modify': 1, 'Sys.PowerMgmt': 1 },
  dc: { 'Sys.Audit': 1, 'SDN.Allocate': 1 },
  sdn: { 'SDN.Allocate': 1, 'SDN.Audit': 1 },
  mapping: { 'Mapping.Audit': 1 },
};

export const accessEndpoints: EndpointDef[] = [
  {
    method: 'GET',
    path: '/access/ticket',
    params: {},
    returns: 'null',
    handler: (): unknown => null,
  },
  {
    method: 'POST',
    path: '/access/ticket',
    allowToken: false,
    params: {
      username: { type: 'string', maxLength: 64 },
      password: { type: 'string' },
      realm: { type: 'string', optional: true, format: 'pve-realm', maxLength: 32 },
      otp: { type: 'string', optional: true },
      path: { type: 'string', optional: true, maxLength: 64 },
      privs: { type: 'string', optional: true, format: 'pve-priv-list', maxLength: 64 },
      'new-format': { type: 'boolean', optional: true, default: 1 },
      'tfa-challenge': { type: 'string', optional: true },
    },
    returns: 'object',
    handler: ({ sim, params }: RequestContext): unknown => {
      const issuer = issuers.get(sim);
      if (!issuer) throw new PveError(500, 'ticket issuer not configured\n');
      let user = params.username as string;
      if (!user.includes('@') && typeof params.realm === 'string') user = `${user}@${params.realm}`;
      const account = sim.state.users[user];
      const password = params.password as string;
      const ok =
        account !== undefined &&
        (account.password === password || issuer.verify(password) === user);
      if (!ok) throw new PveError(401, 'authentication failure\n');
      const { ticket, csrf } = issuer.issue(user);
      return {
        username: user,
        ticket,
        CSRFPreventionToken: csrf,
        cap: ROOT_CAPS,
        ...(Object.keys(sim.state.nodes).length > 1 ? { clustername: sim.state.clusterName } : {}),
      };
    },
  },
];
