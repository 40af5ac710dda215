/**
 * Administration: one route file per resource, registered in one context whose `onRequest`
 * hook (./scope.ts) checks the API-key scope each route names in `config.scope` (`admin:*` or
 * `*`); every change goes through an audited service (coordinator/services/admin.ts,
 * coordinator/services/admin-settings.ts), which writes `audit_log` in the same transaction as the change.
 */
import type { FastifyInstance } from "fastify";
import apiKeyRoutes from "./api-keys.ts";
import auditLogRoutes from "./audit-log.ts";
import budgetRoutes from "./budget.ts";
import cdnUsageRoutes from "./cdn-usage.ts";
import epochRoutes from "./epochs.ts";
import featureFlagRoutes from "./feature-flags.ts";
import flagOverrideRoutes from "./flag-overrides.ts";
import founderRoutes from "./founders.ts";
import rateCardRoutes from "./rate-cards.ts";
import { checkRouteScopes } from "./scope.ts";

export default async function adminRoutes(app: FastifyInstance): Promise<void> {
  checkRouteScopes(app);
  // each resource's routes in this context (no encapsulation of their own: the scope hook applies)
  for (const routes of [
    rateCardRoutes,
    founderRoutes,
    budgetRoutes,
    epochRoutes,
    flagOverrideRoutes,
    apiKeyRoutes,
    featureFlagRoutes,
    cdnUsageRoutes,
    auditLogRoutes,
  ])
    await routes(app);
}
