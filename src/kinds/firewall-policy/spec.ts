/** The FirewallPolicy spec types, derived from the schema (single source of truth: `schema.ts`). */
export type { FirewallPolicySpec, FirewallRuleSpec } from './schema.js';
