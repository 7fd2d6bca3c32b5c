import type { EndpointDef } from '../types.js';

export const certEndpoints: EndpointDef[] = [];
