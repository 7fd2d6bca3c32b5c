import type { EndpointDef } from '../types.js';
import { infoEndpoints } from './info.js';
import { resourceEndpoints } from './resources.js';
import { nextIdEndpoints } from './nextid.js';
import { taskEndpoints } from './tasks.js';
import { storageEndpoints } from './storage.js';
import { accessEndpoints } from './access.js';
import { poolEndpoints } from './pools.js';

export const clusterEndpoints: EndpointDef[] = [
  ...infoEndpoints,
  ...resourceEndpoints,
  ...nextIdEndpoints,
  ...taskEndpoints,
  ...storageEndpoints,
  ...accessEndpoints,
  ...poolEndpoints,
];
