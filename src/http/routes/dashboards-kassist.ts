/**
 * «kAssist. Аналитика» (spec installations §3.12). Scoped like every dashboard.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { RouteOptions } from './common.js';

export const kassistDashboardRoutes: FastifyPluginAsyncZod<RouteOptions> = async (_app, _opts) => {
  // filled in by the dashboard's module
};
