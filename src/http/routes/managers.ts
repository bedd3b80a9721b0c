import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  createManager,
  deleteManager,
  getManager,
  listManagers,
  ManagerInput,
  ManagerPatch,
  updateManager,
} from '../../tenancy/managers.js';
import { actorOf } from '../auth.js';
import { authErrors, BodyDealerId, IdParams, ManagerOut, QueryId, writeErrors } from '../schemas.js';
import { dealerIdFor, type RouteOptions } from './common.js';
import { requireVisible } from './visible.js';

const tags = ['managers'];

export const managerRoutes: FastifyPluginAsyncZod<RouteOptions> = async (app, { runtime: { ctx } }) => {
  app.get(
    '/managers',
    {
      schema: {
        tags,
        summary: 'Managers visible to the caller',
        querystring: z.object({ dealerId: QueryId }),
        response: { 200: z.array(ManagerOut), ...authErrors },
      },
    },
    async (req) => listManagers(ctx, actorOf(req), req.query.dealerId),
  );

  app.get(
    '/managers/:id',
    {
      schema: {
        tags,
        summary: 'One manager',
        params: IdParams,
        response: { 200: ManagerOut, ...authErrors },
      },
    },
    async (req) => getManager(ctx, actorOf(req), req.params.id),
  );

  app.post(
    '/managers',
    {
      schema: {
        tags,
        summary: 'Create a manager (the person alerts are addressed to)',
        body: ManagerInput.extend({ dealerId: BodyDealerId }).strict(),
        response: { 201: ManagerOut, ...writeErrors },
      },
    },
    async (req, reply) => {
      const actor = actorOf(req);
      const dealerId = dealerIdFor(actor, req.body.dealerId);
      await requireVisible(ctx, actor, { dealerId, unitIds: [req.body.unitId] });
      const m = await createManager(ctx, actor, { ...req.body, dealerId });
      return reply.code(201).send(m);
    },
  );

  app.patch(
    '/managers/:id',
    {
      schema: {
        tags,
        summary: 'Change a manager',
        params: IdParams,
        body: ManagerPatch.strict(),
        response: { 200: ManagerOut, ...writeErrors },
      },
    },
    async (req) => {
      const actor = actorOf(req);
      await getManager(ctx, actor, req.params.id);
      await requireVisible(ctx, actor, { unitIds: [req.body.unitId] });
      return updateManager(ctx, actor, req.params.id, req.body);
    },
  );

  app.delete(
    '/managers/:id',
    {
      schema: {
        tags,
        summary: 'Delete a manager',
        params: IdParams,
        response: { 204: z.null(), ...writeErrors },
      },
    },
    async (req, reply) => {
      const actor = actorOf(req);
      await getManager(ctx, actor, req.params.id);
      await deleteManager(ctx, actor, req.params.id);
      return reply.code(204).send(null);
    },
  );
};
