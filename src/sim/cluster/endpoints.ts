import type { EndpointDef } from '../types.js';

export const clusterEndpoints: EndpointDef[] = [];
