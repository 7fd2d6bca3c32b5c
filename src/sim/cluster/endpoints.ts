import type { EndpointDef } from '../types.js';
import { infoEndpoints } from './info.js';
import { resourceEndpoints } from './resources.js';
import { nextIdEndpoints } from './nextid.js';
import { taskEndpoints } from './tasks.js';
import { storageEndpoints } from './storage.js';
import { accessEndpoints } from './access.js';
import { poolEndpoints } from './pools.js';
import { indexEndpoints } from './indexes.js';
import { datacenterEndpoints } from './datacenter.js';
import { storageConfigEndpoints } from './storage-config.js';
import { volumeEndpoints } from './volume-endpoints.js';
import { aplinfoEndpoints } from './aplinfo.js';
import { storageUploadEndpoints } from './storage-upload.js';

export const clusterEndpoints: EndpointDef[] = [
  ...infoEndpoints,
  ...resourceEndpoints,
  ...nextIdEndpoints,
  ...taskEndpoints,
  ...storageEndpoints,
  ...accessEndpoints,
  ...poolEndpoints,
  ...indexEndpoints,
  ...datacenterEndpoints,
  ...storageConfigEndpoints,
  ...volumeEndpoints,
  ...aplinfoEndpoints,
  ...storageUploadEndpoints,
];
