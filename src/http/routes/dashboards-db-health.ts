/**
 * «Ошибки БД», «Контроль версий ПК, Kassist, СП», «Время внутри файла SYSINFO» (spec installations §3.5, §3.6). Scoped like every dashboard: the caller's scope and the variables narrow the subjects in SQL;
 * what is outside the scope is absent. Shapes: src/dashboards/contract-db-health.ts.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  DbErrorsOut,
  DbErrorsQuery,
  SysinfoTimeOut,
  SysinfoTimeQuery,
  VersionsOut,
  VersionsQuery,
} from '../../dashboards/contract-db-health.js';
import { dbErrors, sysinfoTime, versions } from '../../dashboards/db-health.js';
import { actorOf } from '../auth.js';
import { authErrors, ErrorBody } from '../schemas.js';
import type { RouteOptions } from './common.js';

export const dbHealthDashboardRoutes: FastifyPluginAsyncZod<RouteOptions> = async (
  app,
  { runtime: { ctx } },
) => {
  const tags = ['dashboards'];

  app.get(
    '/dashboards/db-errors',
    {
      schema: {
        tags,
        summary: 'Ошибки БД: volume errors per report per installation, and the newest report’s errors',
        querystring: DbErrorsQuery,
        response: { 200: DbErrorsOut, 400: ErrorBody, ...authErrors },
      },
    },
    async (req) => dbErrors(ctx, actorOf(req), req.query, ctx.clock.now()),
  );

  app.get(
    '/dashboards/versions',
    {
      schema: {
        tags,
        summary:
          'Контроль версий ПК, Kassist и других: versions used in the range, and the newest per installation',
        querystring: VersionsQuery,
        response: { 200: VersionsOut, 400: ErrorBody, ...authErrors },
      },
    },
    async (req) => versions(ctx, actorOf(req), req.query, ctx.clock.now()),
  );

  app.get(
    '/dashboards/sysinfo-time',
    {
      schema: {
        tags,
        summary: 'Время внутри файла SYSINFO: time inside the newest stored sysinfo per installation',
        querystring: SysinfoTimeQuery,
        response: { 200: SysinfoTimeOut, 400: ErrorBody, ...authErrors },
      },
    },
    async (req) => sysinfoTime(ctx, actorOf(req), req.query, ctx.clock.now()),
  );
};
