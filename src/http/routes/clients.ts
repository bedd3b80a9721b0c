import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  ClientInput,
  ClientPatch,
  createClient,
  deleteClient,
  getClient,
  listClients,
  updateClient,
} from '../../inventory/clients.js';
import { actorOf } from '../auth.js';
import { authErrors, BodyDealerId, ClientOut, IdParams, QueryId, writeErrors } from '../schemas.js';
import { dealerIdFor, type RouteOptions } from './common.js';
import { requireVisible } from './visible.js';

const tags = ['clients'];

export const clientRoutes: FastifyPluginAsyncZod<RouteOptions> = async (app, { runtime: { ctx } }) => {
  app.get(
    '/clients',
    {
      schema: {
        tags,
        summary: 'Clients visible to the caller',
        querystring: z.object({
          dealerId: QueryId,
          unitId: QueryId,
          managerId: QueryId,
          shortName: z.string().trim().min(1).max(200).optional(),
        }),
        response: { 200: z.array(ClientOut), ...authErrors },
      },
    },
    async (req) => listClients(ctx, actorOf(req), req.query),
  );

  app.get(
    '/clients/:id',
    {
      schema: { tags, summary: 'One client', params: IdParams, response: { 200: ClientOut, ...authErrors } },
    },
    async (req) => getClient(ctx, actorOf(req), req.params.id),
  );

  app.post(
    '/clients',
    {
      schema: {
        tags,
        summary: 'Create a client',
        body: ClientInput.extend({ dealerId: BodyDealerId }).strict(),
        response: { 201: ClientOut, ...writeErrors },
      },
    },
    async (req, reply) => {
      const actor = actorOf(req);
      const dealerId = dealerIdFor(actor, req.body.dealerId);
      await requireVisible(ctx, actor, {
        dealerId,
        unitIds: [req.body.unitId],
        managerIds: req.body.managerIds,
      });
      const c = await createClient(ctx, actor, { ...req.body, dealerId });
      return reply.code(201).send(c);
    },
  );

  app.patch(
    '/clients/:id',
    {
      schema: {
        tags,
        summary: 'Change a client (managerIds replaces the list)',
        params: IdParams,
        body: ClientPatch.strict(),
        response: { 200: ClientOut, ...writeErrors },
      },
    },
    async (req) => {
      const actor = actorOf(req);
      await getClient(ctx, actor, req.params.id);
      await requireVisible(ctx, actor, { unitIds: [req.body.unitId], managerIds: req.body.managerIds });
      return updateClient(ctx, actor, req.params.id, req.body);
    },
  );

  app.delete(
    '/clients/:id',
    {
      schema: {
        tags,
        summary: 'Delete a client with its installations and online accesses',
        params: IdParams,
        response: { 204: z.null(), ...writeErrors },
      },
    },
    async (req, reply) => {
      const actor = actorOf(req);
      await getClient(ctx, actor, req.params.id);
      await deleteClient(ctx, actor, req.params.id);
      return reply.code(204).send(null);
    },
  );
};
