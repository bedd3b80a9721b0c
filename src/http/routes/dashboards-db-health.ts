/**
 * «Ошибки БД», «Контроль версий ПК, Kassist, СП», «Время внутри файла SYSINFO» (spec installations §3.5, §3.6). Scoped like every dashboard: the caller's scope and the variables narrow the subjects in SQL;
 * what is outside the scope is absent.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { RouteOptions } from './common.js';

export const dbHealthDashboardRoutes: FastifyPluginAsyncZod<RouteOptions> = async () => {
  // Routes are added here.
};
