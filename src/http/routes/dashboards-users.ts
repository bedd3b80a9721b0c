/**
 * «Подключённые пользователи» and «Карточки пользователей» (spec installations §3.7, §3.4). Scoped like every dashboard: the caller's scope and the variables narrow the subjects in SQL;
 * what is outside the scope is absent.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { RouteOptions } from './common.js';

export const usersDashboardRoutes: FastifyPluginAsyncZod<RouteOptions> = async () => {
  // Routes are added here.
};
