/**
 * «Биллинг Онлайн. Аналитика» (spec online-managers §4.2). Scoped like every dashboard: the caller's
 * scope and the variables (Клиент, Менеджер, Логин) narrow the online accesses in SQL; what is outside
 * the scope is absent. Shapes: src/dashboards/contract-billing-analytics.ts.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { billingAnalytics } from '../../dashboards/billing-analytics.js';
import { BillingAnalyticsOut, BillingAnalyticsQuery } from '../../dashboards/contract-billing-analytics.js';
import { actorOf } from '../auth.js';
import { authErrors, ErrorBody } from '../schemas.js';
import type { RouteOptions } from './common.js';

export const billingAnalyticsDashboardRoutes: FastifyPluginAsyncZod<RouteOptions> = async (
  app,
  { runtime: { ctx } },
) => {
  app.get(
    '/dashboards/billing-analytics',
    {
      schema: {
        tags: ['dashboards'],
        summary:
          'Биллинг Онлайн. Аналитика: average % of the document limit used per manager and overall, clients under monitoring, month results',
        querystring: BillingAnalyticsQuery,
        response: { 200: BillingAnalyticsOut, 400: ErrorBody, ...authErrors },
      },
    },
    async (req) => billingAnalytics(ctx, actorOf(req), req.query, ctx.clock.now()),
  );
};
