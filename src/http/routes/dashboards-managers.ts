/**
 * «Для менеджеров» (spec online-managers §4.7). Scoped like every dashboard: the caller's scope and the
 * variables narrow the installations in SQL; what is outside the scope is absent. One call answers all
 * sixteen panels (`panels` picks some). Shapes: src/dashboards/contract-managers.ts.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ForManagersOut, ForManagersQuery } from '../../dashboards/contract-managers.js';
import { forManagers } from '../../dashboards/for-managers.js';
import { actorOf } from '../auth.js';
import { authErrors, ErrorBody } from '../schemas.js';
import { writeAsBuilt, type RouteOptions } from './common.js';

export const managersDashboardRoutes: FastifyPluginAsyncZod<RouteOptions> = async (
  app,
  { runtime: { ctx } },
) => {
  app.get(
    '/dashboards/for-managers',
    {
      schema: {
        tags: ['dashboards'],
        summary:
          'Для менеджеров: client parameters, empty searches, OperUp age, activity, involvement, licences, per-user usage, refused logons, idle accounts, user cards',
        querystring: ForManagersQuery,
        response: { 200: ForManagersOut, 400: ErrorBody, ...authErrors },
      },
      serializerCompiler: writeAsBuilt,
    },
    async (req) => forManagers(ctx, actorOf(req), req.query, ctx.clock.now()),
  );
};
