/**
 * «Квартальная аналитика» (our definition; spec online-managers §4.9 left it empty). Scoped like every dashboard.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { RouteOptions } from './common.js';

export const quarterlyDashboardRoutes: FastifyPluginAsyncZod<RouteOptions> = async (_app, _opts) => {
  // filled in by the dashboard's module
};
