/**
 * «Поисковые запросы. Онлайн.» (spec online-managers §4.3). Scoped like every dashboard: the caller's
 * scope and the variables narrow the online accesses in SQL; what is outside the scope is absent.
 * Shapes: src/dashboards/contract-online-search.ts.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { OnlineSearchOut, OnlineSearchQuery } from '../../dashboards/contract-online-search.js';
import { onlineSearch } from '../../dashboards/online-search.js';
import { actorOf } from '../auth.js';
import { authErrors, ErrorBody } from '../schemas.js';
import type { RouteOptions } from './common.js';

export const onlineSearchDashboardRoutes: FastifyPluginAsyncZod<RouteOptions> = async (
  app,
  { runtime: { ctx } },
) => {
  app.get(
    '/dashboards/online-search-queries',
    {
      schema: {
        tags: ['dashboards'],
        summary:
          'Поисковые запросы. Онлайн.: the online accesses’ search log, newest first (keyset pages), and searches and empty searches per day',
        querystring: OnlineSearchQuery,
        response: { 200: OnlineSearchOut, 400: ErrorBody, ...authErrors },
      },
    },
    async (req) => onlineSearch(ctx, actorOf(req), req.query, ctx.clock.now()),
  );
};
