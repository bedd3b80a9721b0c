/**
 * Installation dashboards: "Kodeks аналитика" and "Kodeks server metrics" (spec §3.2, §3.1). List
 * endpoints: the caller's scope and the variables narrow the installations; what is outside the scope
 * is simply absent (never 404). Shapes: src/dashboards/contract.ts.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  KodeksAnalyticsOut,
  KodeksAnalyticsQuery,
  ServerMetricsOut,
  ServerMetricsQuery,
} from '../../dashboards/contract.js';
import { kodeksAnalytics } from '../../dashboards/kodeks-analytics.js';
import { serverMetrics } from '../../dashboards/server-metrics.js';
import { actorOf } from '../auth.js';
import { authErrors, ErrorBody } from '../schemas.js';
import type { RouteOptions } from './common.js';

export const installationDashboardRoutes: FastifyPluginAsyncZod<RouteOptions> = async (
  app,
  { runtime: { ctx } },
) => {
  const tags = ['dashboards'];

  app.get(
    '/dashboards/kodeks-analytics',
    {
      schema: {
        tags,
        summary:
          'Kodeks аналитика: licences, headroom, failed searches, kAssist, inactive users, month-to-date usage',
        querystring: KodeksAnalyticsQuery,
        response: { 200: KodeksAnalyticsOut, 400: ErrorBody, ...authErrors },
      },
    },
    async (req) => kodeksAnalytics(ctx, actorOf(req), req.query, ctx.clock.now()),
  );

  app.get(
    '/dashboards/server-metrics',
    {
      schema: {
        tags,
        summary:
          'Kodeks server metrics: abnormal-state time, online check statuses, low disk (per check × host)',
        querystring: ServerMetricsQuery,
        response: { 200: ServerMetricsOut, 400: ErrorBody, ...authErrors },
      },
    },
    async (req) => serverMetrics(ctx, actorOf(req), req.query, ctx.clock.now()),
  );
};
