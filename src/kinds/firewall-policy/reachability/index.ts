/** Reachability matrix of the Proxmox firewall: `reachability(world)` and `renderMatrix(matrix)`. */
export { reachability, ALWAYS_ALLOWED, type ReachabilityOptions } from './reachability.js';
export { renderMatrix, describeStep } from './render.js';
export type * from './matrix.js';
export type * from './world.js';
export { guestNics } from './nics.js';
export {
  worldFromApi,
  ruleFromApi,
  type ApiWorldLike,
  type ApiGuestLike,
  type ApiIpSetLike,
  type ApiRuleLike,
} from './api-world.js';
