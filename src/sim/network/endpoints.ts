import type { EndpointDef } from '../types.js';

export const networkEndpoints: EndpointDef[] = [];
