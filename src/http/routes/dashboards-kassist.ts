/**
 * «kAssist. Аналитика» (spec installations §3.12). Scoped like every dashboard: the caller's scope and
 * the variables narrow the installations in SQL; what is outside the scope is absent. Shapes:
 * src/dashboards/contract-kassist.ts.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { KassistOut, KassistQuery } from '../../dashboards/contract-kassist.js';
import { kassistAnalytics } from '../../dashboards/kassist-analytics.js';
import { actorOf } from '../auth.js';
import { authErrors, ErrorBody } from '../schemas.js';
import type { RouteOptions } from './common.js';

export const kassistDashboardRoutes: FastifyPluginAsyncZod<RouteOptions> = async (
  app,
  { runtime: { ctx } },
) => {
  app.get(
    '/dashboards/kassist-analytics',
    {
      schema: {
        tags: ['dashboards'],
        summary:
          'kAssist. Аналитика: kAssist link statistics per day and installation, and per client over the range',
        querystring: KassistQuery,
        response: { 200: KassistOut, 400: ErrorBody, ...authErrors },
      },
    },
    async (req) => kassistAnalytics(ctx, actorOf(req), req.query, ctx.clock.now()),
  );
};
