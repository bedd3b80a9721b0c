/**
 * «Подключённые пользователи» and «Карточки пользователей» (spec installations §3.7, §3.4). Scoped like every dashboard: the caller's scope and the variables narrow the subjects in SQL;
 * what is outside the scope is absent.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { connectedUsers } from '../../dashboards/connected-users.js';
import {
  ConnectedUsersOut,
  ConnectedUsersQuery,
  UserCardsOut,
  UserCardsQuery,
} from '../../dashboards/contract-users.js';
import { userCards } from '../../dashboards/user-cards.js';
import { actorOf } from '../auth.js';
import { authErrors, ErrorBody } from '../schemas.js';
import type { RouteOptions } from './common.js';

export const usersDashboardRoutes: FastifyPluginAsyncZod<RouteOptions> = async (
  app,
  { runtime: { ctx } },
) => {
  const tags = ['dashboards'];

  app.get(
    '/dashboards/connected-users',
    {
      schema: {
        tags,
        summary:
          'Подключённые пользователи: licence-holding sessions of the newest sysinfo, logins from several places flagged',
        querystring: ConnectedUsersQuery,
        response: { 200: ConnectedUsersOut, 400: ErrorBody, ...authErrors },
      },
    },
    async (req) => connectedUsers(ctx, actorOf(req), req.query),
  );

  app.get(
    '/dashboards/user-cards',
    {
      schema: {
        tags,
        summary:
          'Карточки пользователей: user cards with completeness, and the most active users of the range',
        querystring: UserCardsQuery,
        response: { 200: UserCardsOut, 400: ErrorBody, ...authErrors },
      },
    },
    async (req) => userCards(ctx, actorOf(req), req.query, ctx.clock.now()),
  );
};
