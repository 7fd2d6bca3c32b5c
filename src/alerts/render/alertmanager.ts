/**
 * Prometheus Alertmanager, API v2: `POST <url>/api/v2/alerts` with an array of postable alerts
 * (labels, annotations, startsAt, endsAt). A resolved transition is sent with `endsAt` = the time it
 * resolved, under the same labels as the firing one, so Alertmanager closes that alert.
 */
import { transitionText } from './text.js';
import type { Renderer } from './types.js';

export function alertmanagerUrl(base: string): string {
  return `${base.replace(/\/+$/, '')}/api/v2/alerts`;
}

export const renderAlertmanager: Renderer = (sink, alerts) => {
  const body = JSON.stringify(
    alerts.map((a) => {
      const drift = a.reason.startsWith('Drift');
      const labels: Record<string, string> = {
        alertname: drift ? 'PxrDrift' : `Pxr${a.reason}`,
        severity: a.severity,
        kind: a.kind,
        name: a.name,
        ...(a.field !== undefined ? { field: a.field } : {}),
      };
      for (const [k, v] of Object.entries(a.labels)) {
        const key = `label_${k.replace(/[^A-Za-z0-9_]/g, '_')}`;
        labels[key] = v;
      }
      const at = new Date(a.at).toISOString();
      return {
        labels,
        annotations: { summary: a.summary, transition: transitionText(a) },
        startsAt: at,
        ...(a.status === 'resolved' ? { endsAt: at } : {}),
      };
    }),
  );
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (sink.token) headers['authorization'] = `Bearer ${sink.token}`;
  return { url: alertmanagerUrl(sink.url), headers, body };
};
