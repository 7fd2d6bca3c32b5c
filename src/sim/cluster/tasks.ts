/** Task endpoints (FACTS §6): lists, status, log, stop. */
import type { EndpointDef, ParamDef, RequestContext } from '../types.js';
import { paramError, withAttribs } from '../types.js';
import type { SimState } from '../state.js';
import type { TaskRecord } from '../tasks-state.js';
import { parseUpid } from '../tasks.js';
import { nodeParam, optionalVmidParam } from './params.js';

const upidParam: ParamDef = { type: 'string' };

function findTask(state: SimState, node: string, upid: string): TaskRecord {
  if (!parseUpid(upid)) paramError({ upid: 'unable to parse worker upid' });
  const t = state.tasks.find((x) => x.upid === upid && x.node === node);
  if (!t) return paramError({ upid: 'no such task' });
  return t;
}

/** A task as the list endpoints print it: `status` is the exit status once it ended. */
function listItem(t: TaskRecord): Record<string, unknown> {
  return {
    upid: t.upid,
    node: t.node,
    pid: t.pid,
    pstart: t.pstart,
    starttime: t.starttime,
    type: t.type,
    id: t.id,
    user: t.user,
    ...(t.tokenid !== undefined ? { tokenid: t.tokenid } : {}),
    ...(t.status === 'stopped'
      ? { status: t.exitstatus ?? 'unknown', endtime: Math.floor(t.endsAt / 1000) }
      : {}),
  };
}

function isError(t: TaskRecord): boolean {
  return t.status === 'stopped' && t.exitstatus !== 'OK' && !t.exitstatus?.startsWith('WARNINGS');
}

function newestFirst(a: TaskRecord, b: TaskRecord): number {
  return b.starttime - a.starttime || b.pid - a.pid;
}

export const taskEndpoints: EndpointDef[] = [
  {
    method: 'GET',
    path: '/cluster/tasks',
    params: {},
    returns: 'array',
    handler: ({ sim }: RequestContext): unknown =>
      [...sim.state.tasks]
        .sort(newestFirst)
        .slice(0, 2000)
        .map((t) => ({ ...listItem(t), saved: t.status === 'stopped' ? '1' : '0' })),
  },
  {
    method: 'GET',
    path: '/nodes/{node}/tasks',
    params: {
      node: nodeParam,
      errors: { type: 'boolean', optional: true, default: 0 },
      limit: { type: 'integer', optional: true, default: 50, minimum: 0 },
      since: { type: 'integer', optional: true },
      source: {
        type: 'string',
        optional: true,
        enum: ['archive', 'active', 'all'],
        default: 'archive',
      },
      start: { type: 'integer', optional: true, default: 0, minimum: 0 },
      statusfilter: { type: 'string', optional: true, format: 'pve-task-status-type-list' },
      typefilter: { type: 'string', optional: true },
      until: { type: 'integer', optional: true },
      userfilter: { type: 'string', optional: true },
      vmid: optionalVmidParam,
    },
    returns: 'array',
    handler: ({ sim, params: p }: RequestContext): unknown => {
      const node = p.node as string;
      sim.node(node);
      const source = (p.source as string | undefined) ?? 'archive';
      const statuses = typeof p.statusfilter === 'string' ? p.statusfilter.split(/[,;\s]+/) : [];
      const list = sim.state.tasks
        .filter((t) => t.node === node)
        .filter((t) =>
          source === 'all'
            ? true
            : source === 'active'
              ? t.status === 'running'
              : t.status === 'stopped',
        )
        .filter((t) => !p.errors || isError(t))
        .filter((t) => p.vmid === undefined || t.id === String(p.vmid as number))
        .filter((t) => p.typefilter === undefined || t.type === p.typefilter)
        .filter((t) => p.userfilter === undefined || t.user.includes(p.userfilter as string))
        .filter((t) => p.since === undefined || t.starttime >= (p.since as number))
        .filter((t) => p.until === undefined || t.starttime <= (p.until as number))
        .filter((t) => {
          if (statuses.length === 0) return true;
          const kind =
            t.status === 'running'
              ? 'running'
              : t.exitstatus === 'OK'
                ? 'ok'
                : t.exitstatus?.startsWith('WARNINGS')
                  ? 'warning'
                  : 'error';
          return statuses.includes(kind);
        })
        .sort(newestFirst);
      const start = (p.start as number | undefined) ?? 0;
      const limit = (p.limit as number | undefined) ?? 50;
      return withAttribs(list.slice(start, start + limit).map(listItem), { total: list.length });
    },
  },
  {
    method: 'GET',
    path: '/nodes/{node}/tasks/{upid}',
    params: { node: nodeParam, upid: upidParam },
    returns: 'array',
    handler: ({ sim, params }: RequestContext): unknown => {
      findTask(sim.state, params.node as string, params.upid as string);
      return [{ name: 'log' }, { name: 'status' }];
    },
  },
  {
    method: 'DELETE',
    path: '/nodes/{node}/tasks/{upid}',
    params: { node: nodeParam, upid: upidParam },
    returns: 'null',
    handler: ({ sim, params }: RequestContext): unknown => {
      const t = findTask(sim.state, params.node as string, params.upid as string);
      sim.tasks.stop(t.upid);
      return null;
    },
  },
  {
    method: 'GET',
    path: '/nodes/{node}/tasks/{upid}/status',
    params: { node: nodeParam, upid: upidParam },
    returns: 'object',
    handler: ({ sim, params }: RequestContext): unknown => {
      const t = findTask(sim.state, params.node as string, params.upid as string);
      return {
        upid: t.upid,
        node: t.node,
        pid: t.pid,
        pstart: t.pstart,
        starttime: t.starttime,
        type: t.type,
        id: t.id,
        user: t.user,
        ...(t.tokenid !== undefined ? { tokenid: t.tokenid } : {}),
        status: t.status,
        ...(t.status === 'stopped' ? { exitstatus: t.exitstatus ?? 'unexpected status' } : {}),
      };
    },
  },
  {
    method: 'GET',
    path: '/nodes/{node}/tasks/{upid}/log',
    params: {
      node: nodeParam,
      upid: upidParam,
      download: { type: 'boolean', optional: true },
      limit: { type: 'integer', optional: true, default: 50, minimum: 0 },
      start: { type: 'integer', optional: true, default: 0, minimum: 0 },
    },
    returns: 'array',
    // pve-manager PVE/API2/Tasks.pm read_task_log has no "no such task" check: it hands the file
    // name to pve-common PVE/Tools.pm dump_logfile, which answers a missing file with one line,
    // an empty one with "no content", and reads to the end when limit is 0.
    handler: ({ sim, params }: RequestContext): unknown => {
      const upid = params.upid as string;
      if (!parseUpid(upid)) paramError({ upid: 'unable to parse worker upid' });
      const t = sim.state.tasks.find((x) => x.upid === upid && x.node === params.node);
      if (!t) {
        return withAttribs([{ n: 1, t: 'unable to open file - No such file or directory' }], {
          total: 1,
        });
      }
      if (t.log.length === 0) return withAttribs([{ n: 1, t: 'no content' }], { total: 1 });
      const start = (params.start as number | undefined) ?? 0;
      const limit = (params.limit as number | undefined) ?? 50;
      const lines = t.log
        .slice(start, limit === 0 ? undefined : start + limit)
        .map((text, i) => ({ n: start + i + 1, t: text }));
      return withAttribs(lines, { total: t.log.length });
    },
  },
];
