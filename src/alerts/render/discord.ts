/**
 * Discord webhook: one embed (title at most 256 characters, description at most 4096) coloured by
 * the worst severity, `content` kept under Discord's 2000-character limit. Discord answers 204.
 */
import { severityRank } from '../alert.js';
import { bodyText, groupTitle } from './text.js';
import type { Renderer } from './types.js';

const COLOUR = { info: 0x2e7d32, warning: 0xf9a825, critical: 0xc62828 } as const;

export const renderDiscord: Renderer = (sink, alerts, meta) => {
  const worst = alerts.reduce(
    (w, a) => (severityRank(a.severity) > severityRank(w) ? a.severity : w),
    'info' as keyof typeof COLOUR,
  );
  const title = groupTitle(alerts);
  const body = JSON.stringify({
    username: 'pxr',
    content: title.slice(0, 2000),
    embeds: [
      {
        title: title.slice(0, 256),
        description: bodyText(alerts, 4000),
        color: COLOUR[worst],
        timestamp: new Date(meta.now).toISOString(),
      },
    ],
  });
  return { url: sink.url, headers: { 'content-type': 'application/json' }, body };
};
