/**
 * «Поисковые запросы» and «Статистика в разрезе MS AD» (spec installations §3.8, §3.9). Scoped like every dashboard: the caller's scope and the variables narrow the subjects in SQL;
 * what is outside the scope is absent.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { adStats } from '../../dashboards/ad-stats.js';
import {
  AdStatsOut,
  AdStatsQuery,
  SearchQueriesOut,
  SearchQueriesQuery,
} from '../../dashboards/contract-search.js';
import { searchQueries } from '../../dashboards/search-queries.js';
import { actorOf } from '../auth.js';
import { authErrors, ErrorBody } from '../schemas.js';
import type { RouteOptions } from './common.js';

export const searchDashboardRoutes: FastifyPluginAsyncZod<RouteOptions> = async (
  app,
  { runtime: { ctx } },
) => {
  const tags = ['dashboards'];

  app.get(
    '/dashboards/search-queries',
    {
      schema: {
        tags,
        summary: 'Поисковые запросы: the search log newest first (keyset-paged, filtered), searches per day',
        querystring: SearchQueriesQuery,
        response: { 200: SearchQueriesOut, 400: ErrorBody, ...authErrors },
      },
    },
    async (req) => searchQueries(ctx, actorOf(req), req.query, ctx.clock.now()),
  );

  app.get(
    '/dashboards/ad-stats',
    {
      schema: {
        tags,
        summary: 'Статистика в разрезе MS ActiveDirectory: month-to-date usage per AD domain',
        querystring: AdStatsQuery,
        response: { 200: AdStatsOut, 400: ErrorBody, ...authErrors },
      },
    },
    async (req) => adStats(ctx, actorOf(req), req.query, ctx.clock.now()),
  );
};
