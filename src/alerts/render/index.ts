import type { SinkType } from '../sink-config.js';
import { renderAlertmanager } from './alertmanager.js';
import { renderDiscord } from './discord.js';
import { renderNtfy } from './ntfy.js';
import { renderSlack } from './slack.js';
import type { Renderer } from './types.js';
import { renderWebhook } from './webhook.js';

export const RENDERERS: Record<SinkType, Renderer> = {
  webhook: renderWebhook,
  slack: renderSlack,
  discord: renderDiscord,
  ntfy: renderNtfy,
  alertmanager: renderAlertmanager,
};
