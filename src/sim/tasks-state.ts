/** A task as stored in the simulator's state. See FACTS §6. */
export interface TaskRecord {
  upid: string;
  node: string;
  pid: number;
  pstart: number;
  /** Seconds since the epoch. */
  starttime: number;
  type: string;
  id: string;
  user: string;
  tokenid?: string;
  status: 'running' | 'stopped';
  /** Only when stopped: `OK`, `WARNINGS: N`, or the error text. */
  exitstatus?: string;
  /** Milliseconds on the sim clock when the task ends. */
  endsAt: number;
  /** The vmid whose config flock the worker holds while it runs. */
  configFlock?: number;
  log: string[];
}
