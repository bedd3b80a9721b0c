import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { scopeDealerId } from '../../tenancy/scope.js';
import {
  createUser,
  deleteUser,
  getUser,
  listUsers,
  updateUser,
  UserInput,
  UserPatch,
} from '../../tenancy/users.js';
import { actorOf } from '../auth.js';
import { authErrors, IdParams, QueryId, UserOut, writeErrors } from '../schemas.js';
import type { RouteOptions } from './common.js';
import { requireVisible } from './visible.js';

const tags = ['users'];

export const userRoutes: FastifyPluginAsyncZod<RouteOptions> = async (app, { runtime: { ctx } }) => {
  app.get(
    '/users',
    {
      schema: {
        tags,
        summary: 'Users visible to the caller (managers and viewers see only themselves)',
        querystring: z.object({ dealerId: QueryId }),
        response: { 200: z.array(UserOut), ...authErrors },
      },
    },
    async (req) => listUsers(ctx, actorOf(req), req.query.dealerId),
  );

  app.get(
    '/users/:id',
    { schema: { tags, summary: 'One user', params: IdParams, response: { 200: UserOut, ...authErrors } } },
    async (req) => getUser(ctx, actorOf(req), req.params.id),
  );

  app.post(
    '/users',
    {
      schema: {
        tags,
        summary: 'Create a user; roles above your own cannot be granted',
        // dealerId defaults to the caller's dealer; the operator passes null to create another operator.
        body: UserInput.extend({ dealerId: UserInput.shape.dealerId.optional() }).strict(),
        response: { 201: UserOut, ...writeErrors },
      },
    },
    async (req, reply) => {
      const actor = actorOf(req);
      const dealerId = req.body.dealerId === undefined ? scopeDealerId(actor.scope) : req.body.dealerId;
      await requireVisible(ctx, actor, {
        dealerId,
        unitIds: [req.body.unitId],
        managerIds: [req.body.managerId],
      });
      return reply.code(201).send(await createUser(ctx, actor, { ...req.body, dealerId }));
    },
  );

  app.patch(
    '/users/:id',
    {
      schema: {
        tags,
        summary: 'Change a user (unit, manager link, name, password, role, disabled)',
        params: IdParams,
        body: UserPatch.strict(),
        response: { 200: UserOut, ...writeErrors },
      },
    },
    async (req) => {
      const actor = actorOf(req);
      await getUser(ctx, actor, req.params.id);
      await requireVisible(ctx, actor, { unitIds: [req.body.unitId], managerIds: [req.body.managerId] });
      return updateUser(ctx, actor, req.params.id, req.body);
    },
  );

  app.delete(
    '/users/:id',
    {
      schema: {
        tags,
        summary: 'Delete a user',
        params: IdParams,
        response: { 204: z.null(), ...writeErrors },
      },
    },
    async (req, reply) => {
      const actor = actorOf(req);
      await getUser(ctx, actor, req.params.id);
      await deleteUser(ctx, actor, req.params.id);
      return reply.code(204).send(null);
    },
  );
};
