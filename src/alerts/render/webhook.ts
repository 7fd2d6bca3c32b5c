/**
 * Generic webhook: the group as JSON; with a secret, `X-Pxr-Signature: sha256=<hex HMAC-SHA256 of
 * the exact body>` so the receiver can verify the sender (the scheme GitHub webhooks use).
 */
import { createHmac } from 'node:crypto';
import { groupTitle, transitionText } from './text.js';
import type { Renderer } from './types.js';

export function signature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export const renderWebhook: Renderer = (sink, alerts, meta) => {
  const body = JSON.stringify({
    version: '1',
    source: 'pxr',
    groupKey: meta.groupKey,
    title: groupTitle(alerts),
    status: alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
    alerts: alerts.map((a) => ({
      fingerprint: a.fingerprint,
      status: a.status,
      severity: a.severity,
      reason: a.reason,
      transition: transitionText(a),
      kind: a.kind,
      name: a.name,
      ...(a.field !== undefined ? { field: a.field } : {}),
      ...(a.desired !== undefined ? { desired: a.desired } : {}),
      ...(a.actual !== undefined ? { actual: a.actual } : {}),
      summary: a.summary,
      labels: a.labels,
      at: new Date(a.at).toISOString(),
    })),
  });
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (sink.secret) headers['x-pxr-signature'] = signature(sink.secret, body);
  return { url: sink.url, headers, body };
};
