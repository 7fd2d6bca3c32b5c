/** Parameter definitions of the cluster endpoints: the ones every group shares. */
export { nodeParam, optionalVmidParam, storageParam } from '../params.js';
