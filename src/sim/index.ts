/** Public API of the Proxmox VE simulator. */
export { createSimulator, defaultSimulatorOptions } from './simulator.js';
export type { Simulator, SimulatorOptions } from './simulator.js';
export { registerFormat, checkFormat, splitList } from './formats.js';
export type { FormatCheck } from './formats.js';
export { formatUpid, parseUpid } from './tasks.js';
export type { Faults, ErrorRule, LatencyRule, TaskFailureRule } from './faults.js';
export type { RequestLog, RequestEntry, RequestFilter } from './request-log.js';
export { loadStateFile, writeStateFile } from './persist.js';
export { runSimCommand } from './cli.js';
export { endpoints } from './endpoints.js';
export { PveError, die, paramError, withAttribs, ResultWithAttribs } from './types.js';
export type * from './types.js';
export type { SimState, NodeState, StorageState } from './state.js';
export type { GuestNftChain, GuestState } from './lxc/state.js';
