/**
 * ASRP upload automation (issue 8, part 4): the dealer's settings (the password is write-only), a
 * «send now» action, and the data of «Загрузка sysinfo в АСРП». Out of scope is 404; the settings are
 * the operator's and dealer administrators' (403 for other roles).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  AsrpDashboardOut,
  AsrpDashboardQuery,
  AsrpSendInput,
  AsrpSendOut,
  AsrpSettingsInput,
  AsrpSettingsOut,
} from '../../asrp/contract.js';
import { asrpDashboard, asrpSendNow } from '../../asrp/queries.js';
import { getAsrpSettings, putAsrpSettings } from '../../asrp/settings.js';
import { actorOf } from '../auth.js';
import { authErrors, QueryId, writeErrors } from '../schemas.js';
import type { RouteOptions } from './common.js';

export const asrpRoutes: FastifyPluginAsyncZod<RouteOptions> = async (app, { runtime: { ctx } }) => {
  const tags = ['asrp'];

  app.get(
    '/asrp/settings',
    {
      schema: {
        tags,
        summary: "A dealer's ASRP upload settings, without the password (operator, dealer-admin)",
        querystring: z.object({ dealerId: QueryId }),
        response: { 200: AsrpSettingsOut, ...authErrors },
      },
    },
    async (req) => getAsrpSettings(ctx, actorOf(req), req.query.dealerId),
  );

  app.put(
    '/asrp/settings',
    {
      schema: {
        tags,
        summary: "Replace a dealer's ASRP upload settings; a password left out keeps the stored one",
        body: AsrpSettingsInput,
        response: { 200: AsrpSettingsOut, ...writeErrors },
      },
    },
    async (req) => putAsrpSettings(ctx, actorOf(req), req.body),
  );

  app.post(
    '/asrp/send',
    {
      schema: {
        tags,
        summary: 'Send the newest sysinfo of these installations (or all visible) to ASRP now, if changed',
        body: AsrpSendInput,
        response: { 200: AsrpSendOut, ...writeErrors },
      },
    },
    async (req) => asrpSendNow(ctx, actorOf(req), req.body),
  );

  app.get(
    '/dashboards/asrp',
    {
      schema: {
        tags,
        summary: '«Загрузка sysinfo в АСРП»: last upload per installation, hourly counts and the log',
        querystring: AsrpDashboardQuery,
        response: { 200: AsrpDashboardOut, ...authErrors },
      },
    },
    async (req) => asrpDashboard(ctx, actorOf(req), req.query),
  );
};
