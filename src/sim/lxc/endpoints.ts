import type { EndpointDef } from '../types.js';

export const lxcEndpoints: EndpointDef[] = [];
