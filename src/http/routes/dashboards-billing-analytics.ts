/**
 * «Биллинг Онлайн. Аналитика» (spec online-managers §4.2). Scoped like every dashboard.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { RouteOptions } from './common.js';

export const billingAnalyticsDashboardRoutes: FastifyPluginAsyncZod<RouteOptions> = async (_app, _opts) => {
  // filled in by the dashboard's module
};
