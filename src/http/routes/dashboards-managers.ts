/**
 * «Для менеджеров» (spec online-managers §4.7). Scoped like every dashboard.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { RouteOptions } from './common.js';

export const managersDashboardRoutes: FastifyPluginAsyncZod<RouteOptions> = async (_app, _opts) => {
  // filled in by the dashboard's module
};
