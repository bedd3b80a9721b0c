/**
 * Client health score, usage profiles and sales signals (issue 8, part 5; docs/health.md). Scoped:
 * a client outside the caller's scope is not found and never listed.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { computeDealerHealth } from '../../health/compute.js';
import {
  DealerQuery,
  HealthHistoryOut,
  HealthHistoryQuery,
  HealthListOut,
  HealthListQuery,
  HealthSettingsOut,
} from '../../health/contract.js';
import { clientHealthHistory, listClientHealth, visibleDealer } from '../../health/queries.js';
import { HealthSettingsIn, loadHealthSettings, saveHealthSettings } from '../../health/settings.js';
import { requireDealerAdmin } from '../../tenancy/scope.js';
import { actorOf } from '../auth.js';
import { authErrors, ErrorBody, IdParams, writeErrors } from '../schemas.js';
import { dealerIdFor, type RouteOptions } from './common.js';

export const clientHealthRoutes: FastifyPluginAsyncZod<RouteOptions> = async (app, { runtime: { ctx } }) => {
  app.get(
    '/client-health',
    {
      schema: {
        tags: ['client-health'],
        summary:
          'Health of every visible client on its latest computed day: score 0–100, band, trend over a week, usage profile, signals',
        querystring: HealthListQuery,
        response: { 200: HealthListOut, 400: ErrorBody, ...authErrors },
      },
    },
    async (req) => listClientHealth(ctx, actorOf(req), req.query),
  );

  app.get(
    '/client-health/:id/history',
    {
      schema: {
        tags: ['client-health'],
        summary: "One client's daily score, band and profile over the last `days` (default 90)",
        params: IdParams,
        querystring: HealthHistoryQuery,
        response: { 200: HealthHistoryOut, 400: ErrorBody, ...authErrors },
      },
    },
    async (req) => clientHealthHistory(ctx, actorOf(req), req.params.id, req.query.days ?? 90),
  );

  app.get(
    '/client-health/settings',
    {
      schema: {
        tags: ['client-health'],
        summary: "The dealer's early-exhaustion N of M and the local times of the health jobs and digests",
        querystring: DealerQuery,
        response: { 200: HealthSettingsOut, 400: ErrorBody, ...authErrors },
      },
    },
    async (req) => {
      const actor = actorOf(req);
      const dealerId = await visibleDealer(ctx, actor, dealerIdFor(actor, req.query.dealerId));
      return { dealerId, ...(await loadHealthSettings(ctx, dealerId)) };
    },
  );

  app.put(
    '/client-health/settings',
    {
      schema: {
        tags: ['client-health'],
        summary: 'Changes the health settings of a dealer (dealer-admin); fields left out keep their value',
        querystring: DealerQuery,
        body: HealthSettingsIn,
        response: { 200: HealthSettingsOut, ...writeErrors },
      },
    },
    async (req) => {
      const actor = actorOf(req);
      const dealerId = await visibleDealer(ctx, actor, dealerIdFor(actor, req.query.dealerId));
      requireDealerAdmin(actor);
      return { dealerId, ...(await saveHealthSettings(ctx, actor, dealerId, req.body)) };
    },
  );

  app.post(
    '/client-health/recompute',
    {
      schema: {
        tags: ['client-health'],
        summary: "Computes today's health of every client of the dealer now (dealer-admin)",
        querystring: DealerQuery,
        response: { 200: z.object({ day: z.string(), clients: z.number() }), ...writeErrors },
      },
    },
    async (req) => {
      const actor = actorOf(req);
      const dealerId = await visibleDealer(ctx, actor, dealerIdFor(actor, req.query.dealerId));
      requireDealerAdmin(actor);
      const r = await computeDealerHealth(ctx, dealerId);
      return { day: r.day, clients: r.clients };
    },
  );
};
