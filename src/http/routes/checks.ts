/**
 * Results of active checks: probes of installations and reads of online accesses. Read-only; every
 * route checks that the caller may see the installation or access (404 otherwise).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  onlineAvailability,
  onlineProblems,
  onlineSearchLog,
  onlineServerAvailability,
  onlineStatus,
  onlineUsageByMonth,
} from '../../online/queries.js';
import { ONLINE_ERRORS, ONLINE_KINDS } from '../../online/types.js';
import {
  installationAvailability,
  installationCheckEvents,
  installationChecks,
} from '../../probes/queries.js';
import { ABNORMAL_STATES } from '../../probes/types.js';
import { actorOf } from '../auth.js';
import { authErrors, IdParams, QueryId } from '../schemas.js';
import type { RouteOptions } from './common.js';

const DAY = 86_400_000;

/** Milliseconds since the epoch in a query string. */
const QueryMs = z
  .string()
  .regex(/^\d{1,15}$/, 'must be milliseconds since 1970-01-01 UTC')
  .transform(Number)
  .optional();
const RangeQuery = z.object({ from: QueryMs, to: QueryMs });

const Outcome = z.enum(['ok', 'failed', 'suppressed', 'unknown']);
const Point = z.object({ at: z.number(), pct: z.number().nullable(), ok: z.number(), total: z.number() });
const AvailabilityOut = z.object({ check: z.string(), current: Point, points: z.array(Point) });

const InstallationChecksOut = z.object({
  installationId: z.number(),
  probed: z.boolean(),
  intervalS: z.number().nullable(),
  lastRunAt: z.number().nullable(),
  nextRunAt: z.number().nullable(),
  checks: z.array(
    z.object({
      check: z.string(),
      outcome: Outcome,
      code: z.string().nullable(),
      detail: z.string().nullable(),
      latencyMs: z.number().nullable(),
      since: z.number(),
    }),
  ),
  states: z.array(
    z.object({ state: z.enum(ABNORMAL_STATES), title: z.string(), value: z.number(), since: z.number() }),
  ),
});

const CheckEventOut = z.object({
  at: z.number(),
  check: z.string(),
  from: z.string().nullable(),
  to: z.string(),
  code: z.string().nullable(),
  detail: z.string().nullable(),
});

const LimitOut = z.object({
  limit: z.number(),
  remaining: z.number(),
  used: z.number(),
  usedPct: z.number(),
});
const OnlineStatusOut = z.object({
  accessId: z.number(),
  checkedAt: z.number().nullable(),
  ok: z.boolean().nullable(),
  readAt: z.number().nullable(),
  month: z.string().nullable(),
  limits: z.object(Object.fromEntries(ONLINE_KINDS.map((k) => [k, LimitOut.optional()]))),
  error: z.enum(ONLINE_ERRORS).nullable(),
  errorCode: z.string().nullable(),
  errorMessage: z.string().nullable(),
  errorSince: z.number().nullable(),
  searchLogThrough: z.string().nullable(),
});

const range = (q: { from?: number; to?: number }, now: number) => ({
  from: q.from ?? now - 30 * DAY,
  to: q.to ?? now,
});

export const checkRoutes: FastifyPluginAsyncZod<RouteOptions> = async (app, { runtime: { ctx } }) => {
  const probeTags = ['probes'];
  const onlineTags = ['online results'];

  app.get(
    '/installations/:id/checks',
    {
      schema: {
        tags: probeTags,
        summary: 'Current outcome of every probe check and abnormal state of an installation',
        params: IdParams,
        response: { 200: InstallationChecksOut, ...authErrors },
      },
    },
    async (req) => installationChecks(ctx, actorOf(req), req.params.id),
  );

  app.get(
    '/installations/:id/check-events',
    {
      schema: {
        tags: probeTags,
        summary: 'Changes of probe outcomes and abnormal states, newest first',
        params: IdParams,
        querystring: RangeQuery.extend({
          limit: z
            .string()
            .regex(/^\d{1,4}$/, 'must be a number up to 9999')
            .transform(Number)
            .optional(),
        }),
        response: { 200: z.array(CheckEventOut), ...authErrors },
      },
    },
    async (req) => installationCheckEvents(ctx, actorOf(req), req.params.id, req.query),
  );

  app.get(
    '/installations/:id/availability',
    {
      schema: {
        tags: probeTags,
        summary: 'Rolling 30-day availability of the ПК interface (http200), port (tcp) and ICMP, per day',
        params: IdParams,
        querystring: RangeQuery,
        response: {
          200: z.object({
            installationId: z.number(),
            interface: AvailabilityOut,
            port: AvailabilityOut,
            icmp: AvailabilityOut,
          }),
          ...authErrors,
        },
      },
    },
    async (req) =>
      installationAvailability(ctx, actorOf(req), req.params.id, range(req.query, ctx.clock.now())),
  );

  app.get(
    '/online-accesses/:id/status',
    {
      schema: {
        tags: onlineTags,
        summary: 'Latest remainders of an online access and the result of its last read',
        params: IdParams,
        response: { 200: OnlineStatusOut, ...authErrors },
      },
    },
    async (req) => onlineStatus(ctx, actorOf(req), req.params.id),
  );

  app.get(
    '/online-accesses/:id/usage',
    {
      schema: {
        tags: onlineTags,
        summary: 'The last reading of each month, per limit (month in the access’s time zone)',
        params: IdParams,
        response: {
          200: z.array(
            z.object({
              month: z.string(),
              kind: z.enum(ONLINE_KINDS),
              limit: z.number(),
              remaining: z.number(),
              usedPct: z.number(),
              readAt: z.number(),
            }),
          ),
          ...authErrors,
        },
      },
    },
    async (req) => onlineUsageByMonth(ctx, actorOf(req), req.params.id),
  );

  app.get(
    '/online-accesses/:id/search-log',
    {
      schema: {
        tags: onlineTags,
        summary: 'Searches of one local day (read nightly)',
        params: IdParams,
        querystring: z.object({ day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD') }),
        response: {
          200: z.array(
            z.object({
              at: z.number(),
              user: z.string(),
              query: z.string(),
              type: z.string(),
              status: z.string(),
            }),
          ),
          ...authErrors,
        },
      },
    },
    async (req) => onlineSearchLog(ctx, actorOf(req), req.params.id, req.query.day),
  );

  app.get(
    '/online-accesses/:id/availability',
    {
      schema: {
        tags: onlineTags,
        summary: 'Rolling 30-day billing availability of an online access, per day',
        params: IdParams,
        querystring: RangeQuery,
        response: { 200: AvailabilityOut, ...authErrors },
      },
    },
    async (req) => onlineAvailability(ctx, actorOf(req), req.params.id, range(req.query, ctx.clock.now())),
  );

  app.get(
    '/online/problems',
    {
      schema: {
        tags: onlineTags,
        summary: 'Проблемы с получением статистики: accesses whose last read failed',
        querystring: z.object({ dealerId: QueryId }),
        response: {
          200: z.array(
            z.object({
              accessId: z.number(),
              clientId: z.number(),
              client: z.string(),
              host: z.string(),
              folder: z.string(),
              login: z.string(),
              error: z.enum(ONLINE_ERRORS),
              errorCode: z.string().nullable(),
              errorMessage: z.string().nullable(),
              since: z.number().nullable(),
              checkedAt: z.number(),
              managers: z.array(z.string()),
            }),
          ),
          ...authErrors,
        },
      },
    },
    async (req) => onlineProblems(ctx, actorOf(req), req.query.dealerId),
  );

  app.get(
    '/online/servers/availability',
    {
      schema: {
        tags: onlineTags,
        summary: 'Rolling 30-day billing availability per DC server, over the accesses the caller sees',
        querystring: RangeQuery.extend({ dealerId: QueryId }),
        response: {
          200: z.array(AvailabilityOut.extend({ host: z.string(), accesses: z.number() })),
          ...authErrors,
        },
      },
    },
    async (req) =>
      onlineServerAvailability(ctx, actorOf(req), range(req.query, ctx.clock.now()), req.query.dealerId),
  );
};
