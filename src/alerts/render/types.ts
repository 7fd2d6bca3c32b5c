import type { SinkConfig } from '../sink-config.js';
import type { GroupedAlert } from './text.js';

/** One HTTP request to make: what a sink's renderer produces for a group of alerts. */
export interface OutboundRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export type Renderer = (
  sink: SinkConfig,
  alerts: readonly GroupedAlert[],
  meta: { now: number; groupKey: string },
) => OutboundRequest;
