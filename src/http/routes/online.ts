import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  createOnlineAccess,
  deleteOnlineAccess,
  getOnlineAccess,
  listOnlineAccesses,
  OnlineAccessInput,
  OnlineAccessPatch,
  updateOnlineAccess,
} from '../../inventory/online.js';
import { actorOf } from '../auth.js';
import { authErrors, IdParams, OnlineAccessOut, QueryId, writeErrors } from '../schemas.js';
import type { RouteOptions } from './common.js';
import { requireVisible } from './visible.js';

const tags = ['online accesses'];

export const onlineRoutes: FastifyPluginAsyncZod<RouteOptions> = async (app, { runtime: { ctx } }) => {
  app.get(
    '/online-accesses',
    {
      schema: {
        tags,
        summary: 'Online accesses visible to the caller (passwords are never returned)',
        querystring: z.object({ dealerId: QueryId, clientId: QueryId }),
        response: { 200: z.array(OnlineAccessOut), ...authErrors },
      },
    },
    async (req) => listOnlineAccesses(ctx, actorOf(req), req.query),
  );

  app.get(
    '/online-accesses/:id',
    {
      schema: {
        tags,
        summary: 'One online access',
        params: IdParams,
        response: { 200: OnlineAccessOut, ...authErrors },
      },
    },
    async (req) => getOnlineAccess(ctx, actorOf(req), req.params.id),
  );

  app.post(
    '/online-accesses',
    {
      schema: {
        tags,
        summary: 'Create an online access of a client; the password is stored encrypted',
        body: OnlineAccessInput.strict(),
        response: { 201: OnlineAccessOut, ...writeErrors },
      },
    },
    async (req, reply) => {
      const actor = actorOf(req);
      const { clientId, managers } = req.body;
      await requireVisible(ctx, actor, { clientId, managerIds: managers?.map((m) => m.managerId) });
      return reply.code(201).send(await createOnlineAccess(ctx, actor, req.body));
    },
  );

  app.patch(
    '/online-accesses/:id',
    {
      schema: {
        tags,
        summary: 'Change an online access (managers replaces the list)',
        params: IdParams,
        body: OnlineAccessPatch.strict(),
        response: { 200: OnlineAccessOut, ...writeErrors },
      },
    },
    async (req) => {
      const actor = actorOf(req);
      await getOnlineAccess(ctx, actor, req.params.id);
      await requireVisible(ctx, actor, {
        clientId: req.body.clientId,
        managerIds: req.body.managers?.map((m) => m.managerId),
      });
      return updateOnlineAccess(ctx, actor, req.params.id, req.body);
    },
  );

  app.delete(
    '/online-accesses/:id',
    {
      schema: {
        tags,
        summary: 'Delete an online access',
        params: IdParams,
        response: { 204: z.null(), ...writeErrors },
      },
    },
    async (req, reply) => {
      const actor = actorOf(req);
      await getOnlineAccess(ctx, actor, req.params.id);
      await deleteOnlineAccess(ctx, actor, req.params.id);
      return reply.code(204).send(null);
    },
  );
};
