/**
 * «Время выполнения поисковых запросов» (spec online-managers §4.10). Scoped like every dashboard: the
 * caller's scope and the variables narrow the installations in SQL; what is outside the scope is
 * absent. Shapes: src/dashboards/contract-search-time.ts.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { SearchTimeOut, SearchTimeQuery } from '../../dashboards/contract-search-time.js';
import { searchTime } from '../../dashboards/search-time.js';
import { actorOf } from '../auth.js';
import { authErrors, ErrorBody } from '../schemas.js';
import type { RouteOptions } from './common.js';

export const searchTimeDashboardRoutes: FastifyPluginAsyncZod<RouteOptions> = async (
  app,
  { runtime: { ctx } },
) => {
  app.get(
    '/dashboards/search-time',
    {
      schema: {
        tags: ['dashboards'],
        summary:
          'Время выполнения поисковых запросов: searches over a threshold, who makes them, what they look like',
        querystring: SearchTimeQuery,
        response: { 200: SearchTimeOut, 400: ErrorBody, ...authErrors },
      },
    },
    async (req) => searchTime(ctx, actorOf(req), req.query, ctx.clock.now()),
  );
};
