/**
 * Dashboards: the variables (selector lists), «Доступность серверов» and «… Онлайн», «Биллинг Онлайн.
 * Статистика», «Текущие аварийные ситуации», and the client page. Read-only; every answer is limited to
 * the caller's scope in SQL, and a client outside it is 404. Schemas: src/dashboards/contract.ts.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { serverAvailability, onlineAvailabilityDashboard } from '../../dashboards/availability.js';
import { billingStats } from '../../dashboards/billing.js';
import { clientOverview } from '../../dashboards/client-overview.js';
import {
  AvailabilityOnlineOut,
  AvailabilityOnlineQuery,
  AvailabilityOut,
  BillingStatsOut,
  ClientOverviewOut,
  EmergenciesOut,
  EmergenciesQuery,
  RangeQuery,
  VariablesOut,
  VariablesQuery,
} from '../../dashboards/contract.js';
import { emergencies } from '../../dashboards/emergencies.js';
import { dashboardVariables } from '../../dashboards/variables.js';
import { actorOf } from '../auth.js';
import { authErrors, ErrorBody, IdParams } from '../schemas.js';
import type { RouteOptions } from './common.js';

const errors = { 400: ErrorBody, ...authErrors } as const;

export const dashboardRoutes: FastifyPluginAsyncZod<RouteOptions> = async (app, { runtime: { ctx } }) => {
  const tags = ['dashboards'];

  app.get(
    '/dashboards/variables',
    {
      schema: {
        tags,
        summary:
          'Lists for the dashboard selectors (dealers, units, managers, clients, objects, domains, DC servers)',
        querystring: VariablesQuery,
        response: { 200: VariablesOut, ...errors },
      },
    },
    async (req) => dashboardVariables(ctx, actorOf(req), req.query, ctx.clock.now()),
  );

  app.get(
    '/dashboards/availability',
    {
      schema: {
        tags,
        summary:
          'Доступность серверов: rolling 30-day % of the interface (http200) and port (tcp) per installation',
        querystring: RangeQuery,
        response: { 200: AvailabilityOut, ...errors },
      },
    },
    async (req) => serverAvailability(ctx, actorOf(req), req.query, ctx.clock.now()),
  );

  app.get(
    '/dashboards/availability-online',
    {
      schema: {
        tags,
        summary:
          'Доступность серверов. Онлайн: rolling 30-day billing availability per access and per DC server',
        querystring: AvailabilityOnlineQuery,
        response: { 200: AvailabilityOnlineOut, ...errors },
      },
    },
    async (req) => onlineAvailabilityDashboard(ctx, actorOf(req), req.query, ctx.clock.now()),
  );

  app.get(
    '/dashboards/billing-stats',
    {
      schema: {
        tags,
        summary:
          'Биллинг Онлайн. Статистика: latest remainders, remainder graphs, average % of documents used',
        querystring: RangeQuery,
        response: { 200: BillingStatsOut, ...errors },
      },
    },
    async (req) => billingStats(ctx, actorOf(req), req.query, ctx.clock.now()),
  );

  app.get(
    '/dashboards/emergencies',
    {
      schema: {
        tags,
        summary: 'Текущие аварийные ситуации: alert instances alive in the range, K1 first, then newest',
        querystring: EmergenciesQuery,
        response: { 200: EmergenciesOut, ...errors },
      },
    },
    async (req) => emergencies(ctx, actorOf(req), req.query, ctx.clock.now()),
  );

  app.get(
    '/clients/:id/overview',
    {
      schema: {
        tags,
        summary: 'The client page: verdict with reasons, every installation and online access, open alerts',
        params: IdParams,
        response: { 200: ClientOverviewOut, ...errors },
      },
    },
    async (req) => clientOverview(ctx, actorOf(req), req.params.id, ctx.clock.now()),
  );
};
