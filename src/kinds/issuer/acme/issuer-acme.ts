/**
 * The `acme` Issuer's pass. plan (reads only): the account is registered when pxr has its key and
 * the last pass recorded the account URL for this very server, contact and binding; otherwise one
 * change, `acme.account`. apply: create the key if missing (0600), then newAccount — which finds
 * the existing account for a known key, so re-running it never makes a second one. Ready = the
 * account is registered; a CA that cannot be reached or refuses fails the pass (Warning event with
 * the ACME problem, backoff).
 */
import type {
  AdmittedPlan,
  ObjectOutcome,
  ObjectPlan,
  PlanContext,
  ReconcileContext,
} from '../../../core/kind.js';
import type { AcmeIssuerSpec } from '../schema.js';
import { accountKeyPath, ensureAccountKey, readAccountKey } from './account.js';
import { openAcme } from './connect.js';

/** What identifies the account: a change of any of these registers again. */
function accountFacts(acme: AcmeIssuerSpec): Record<string, string> {
  return {
    server: acme.server,
    ...(acme.email ? { email: acme.email } : {}),
    ...(acme.externalAccountBinding ? { eabKeyId: acme.externalAccountBinding.keyId } : {}),
  };
}

export async function planAcme(
  ctx: PlanContext,
  acme: AcmeIssuerSpec,
  dataDir: string | undefined,
  name: string,
): Promise<ObjectPlan> {
  const prev = ctx.observedOf?.(name) ?? ctx.observed;
  const key = await readAccountKey(dataDir, name);
  const facts = accountFacts(acme);
  const same =
    typeof prev['accountUrl'] === 'string' &&
    Object.entries(facts).every(([k, v]) => prev[k] === v) &&
    ['email', 'eabKeyId'].every((k) => k in facts || prev[k] === undefined);
  if (key && same) return { changes: [], state: prev };
  return {
    changes: [
      {
        field: 'acme.account',
        desired: `registered at ${acme.server}`,
        ...(typeof prev['accountUrl'] === 'string' ? { actual: prev['accountUrl'] } : {}),
        calls: [
          ...(key ? [] : [`write ${accountKeyPath(dataDir, name)} (0600)`]),
          `POST newAccount at ${acme.server}`,
        ],
        drift: false,
      },
    ],
  };
}

export async function applyAcme(
  ctx: ReconcileContext,
  acme: AcmeIssuerSpec,
  dataDir: string | undefined,
  name: string,
  p: AdmittedPlan,
): Promise<ObjectOutcome> {
  if (!p.changes.some((c) => c.field === 'acme.account'))
    return { observed: p.state as Record<string, unknown> };
  const key = await ensureAccountKey(dataDir, name);
  const s = await openAcme(acme, key, (ms) => ctx.clock.sleep(ms, ctx.signal));
  await s.client.close();
  const msg = `${s.created ? 'registered' : 'found'} ACME account ${s.accountUrl} at ${acme.server}`;
  return {
    observed: { type: 'acme', ...accountFacts(acme), accountUrl: s.accountUrl },
    actions: [msg],
    events: [
      { type: 'Normal', reason: s.created ? 'AccountRegistered' : 'AccountFound', message: msg },
    ],
  };
}
