/**
 * ntfy: the message is the plain-text body POSTed to the topic URL; title, priority (1–5) and tags
 * go in the `Title`, `Priority` and `Tags` headers; an access token as `Authorization: Bearer`.
 * Header values must be ASCII: the title is made of ASCII parts only.
 */
import { severityRank } from '../alert.js';
import { bodyText, groupTitle } from './text.js';
import type { Renderer } from './types.js';

const PRIORITY = ['2', '4', '5'] as const; // info, warning, critical
const TAG = ['information_source', 'warning', 'rotating_light'] as const;

export const renderNtfy: Renderer = (sink, alerts) => {
  const worst = Math.max(...alerts.map((a) => severityRank(a.severity)), 0);
  const headers: Record<string, string> = {
    'content-type': 'text/plain; charset=utf-8',
    title: groupTitle(alerts).replace(/[^\x20-\x7e]/g, '?'),
    priority: PRIORITY[worst] ?? '3',
    tags: `${TAG[worst] ?? 'warning'},pxr`,
  };
  if (sink.token) headers['authorization'] = `Bearer ${sink.token}`;
  return { url: sink.url, headers, body: bodyText(alerts, 4000) };
};
