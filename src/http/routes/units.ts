import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  createUnit,
  deleteUnit,
  getUnit,
  listUnits,
  renameUnit,
  UnitInput,
  UnitName,
} from '../../tenancy/units.js';
import { actorOf } from '../auth.js';
import { authErrors, BodyDealerId, IdParams, QueryId, UnitOut, writeErrors } from '../schemas.js';
import { dealerIdFor, type RouteOptions } from './common.js';
import { requireVisible } from './visible.js';

const tags = ['units'];

export const unitRoutes: FastifyPluginAsyncZod<RouteOptions> = async (app, { runtime: { ctx } }) => {
  app.get(
    '/units',
    {
      schema: {
        tags,
        summary: 'Org units visible to the caller, in tree order',
        querystring: z.object({ dealerId: QueryId }),
        response: { 200: z.array(UnitOut), ...authErrors },
      },
    },
    async (req) => listUnits(ctx, actorOf(req), req.query.dealerId),
  );

  app.get(
    '/units/:id',
    {
      schema: { tags, summary: 'One org unit', params: IdParams, response: { 200: UnitOut, ...authErrors } },
    },
    async (req) => getUnit(ctx, actorOf(req), req.params.id),
  );

  app.post(
    '/units',
    {
      schema: {
        tags,
        summary: 'Create an org unit (a branch at the top, or a department under parentId)',
        body: UnitInput.extend({ dealerId: BodyDealerId }).strict(),
        response: { 201: UnitOut, ...writeErrors },
      },
    },
    async (req, reply) => {
      const actor = actorOf(req);
      const dealerId = dealerIdFor(actor, req.body.dealerId);
      await requireVisible(ctx, actor, { dealerId, unitIds: [req.body.parentId] });
      const unit = await createUnit(ctx, actor, { ...req.body, dealerId });
      return reply.code(201).send(unit);
    },
  );

  app.patch(
    '/units/:id',
    {
      schema: {
        tags,
        summary: 'Rename an org unit',
        params: IdParams,
        body: z.object({ name: UnitName }).strict(),
        response: { 200: UnitOut, ...writeErrors },
      },
    },
    async (req) => {
      const actor = actorOf(req);
      await getUnit(ctx, actor, req.params.id);
      return renameUnit(ctx, actor, req.params.id, req.body.name);
    },
  );

  app.delete(
    '/units/:id',
    {
      schema: {
        tags,
        summary: 'Delete an empty org unit',
        params: IdParams,
        response: { 204: z.null(), ...writeErrors },
      },
    },
    async (req, reply) => {
      const actor = actorOf(req);
      await getUnit(ctx, actor, req.params.id);
      await deleteUnit(ctx, actor, req.params.id);
      return reply.code(204).send(null);
    },
  );
};
