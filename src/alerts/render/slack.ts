/**
 * Slack incoming webhook: `{"text": ...}` (the notification and fallback text) plus one section
 * block in mrkdwn. A section's text is limited to 3000 characters: longer groups are cut with a count.
 */
import { bodyText, groupTitle } from './text.js';
import type { Renderer } from './types.js';

export const renderSlack: Renderer = (sink, alerts) => {
  const title = groupTitle(alerts);
  const text = bodyText(alerts, 2900);
  const body = JSON.stringify({
    text: `${title}\n${text}`,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: title.slice(0, 150) } },
      { type: 'section', text: { type: 'mrkdwn', text: text } },
    ],
  });
  return { url: sink.url, headers: { 'content-type': 'application/json' }, body };
};
