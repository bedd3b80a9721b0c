/**
 * «Поисковые запросы» and «Статистика в разрезе MS AD» (spec installations §3.8, §3.9). Scoped like every dashboard: the caller's scope and the variables narrow the subjects in SQL;
 * what is outside the scope is absent.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { RouteOptions } from './common.js';

export const searchDashboardRoutes: FastifyPluginAsyncZod<RouteOptions> = async () => {
  // Routes are added here.
};
