import type { EndpointDef } from '../types.js';

export const firewallEndpoints: EndpointDef[] = [];
