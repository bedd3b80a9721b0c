/**
 * «Квартальная аналитика» (our definition; spec online-managers §4.9 left it empty). Scoped like every
 * dashboard: the caller's clients, narrowed by the variables in SQL. Shapes:
 * src/dashboards/contract-quarterly.ts.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { QuarterlyOut, QuarterlyQuery } from '../../dashboards/contract-quarterly.js';
import { quarterlyDashboard } from '../../dashboards/quarterly.js';
import { actorOf } from '../auth.js';
import { authErrors, ErrorBody } from '../schemas.js';
import type { RouteOptions } from './common.js';

export const quarterlyDashboardRoutes: FastifyPluginAsyncZod<RouteOptions> = async (
  app,
  { runtime: { ctx } },
) => {
  app.get(
    '/dashboards/quarterly',
    {
      schema: {
        tags: ['dashboards'],
        summary:
          'Квартальная аналитика: clients per usage class, empty searches, incidents and downtime per manager and quarter, with the change against the quarter before; the clients of one quarter',
        querystring: QuarterlyQuery,
        response: { 200: QuarterlyOut, 400: ErrorBody, ...authErrors },
      },
    },
    async (req) => quarterlyDashboard(ctx, actorOf(req), req.query, ctx.clock.now()),
  );
};
