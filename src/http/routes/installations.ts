import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  createInstallation,
  deleteInstallation,
  getInstallation,
  INSTALLATION_KINDS,
  InstallationInput,
  InstallationPatch,
  listInstallations,
  updateInstallation,
} from '../../inventory/installations.js';
import { actorOf } from '../auth.js';
import { authErrors, IdParams, InstallationOut, QueryId, writeErrors } from '../schemas.js';
import type { RouteOptions } from './common.js';
import { requireVisible } from './visible.js';

const tags = ['installations'];

export const installationRoutes: FastifyPluginAsyncZod<RouteOptions> = async (app, { runtime: { ctx } }) => {
  app.get(
    '/installations',
    {
      schema: {
        tags,
        summary: 'Installations visible to the caller',
        querystring: z.object({
          dealerId: QueryId,
          clientId: QueryId,
          kind: z.enum(INSTALLATION_KINDS).optional(),
          sourceKey: z.string().trim().min(1).max(300).optional(),
        }),
        response: { 200: z.array(InstallationOut), ...authErrors },
      },
    },
    async (req) => listInstallations(ctx, actorOf(req), req.query),
  );

  app.get(
    '/installations/:id',
    {
      schema: {
        tags,
        summary: 'One installation',
        params: IdParams,
        response: { 200: InstallationOut, ...authErrors },
      },
    },
    async (req) => getInstallation(ctx, actorOf(req), req.params.id),
  );

  app.post(
    '/installations',
    {
      schema: {
        tags,
        summary: 'Create an installation of a client (polled, agent or closed)',
        body: InstallationInput.strict(),
        response: { 201: InstallationOut, ...writeErrors },
      },
    },
    async (req, reply) => {
      const actor = actorOf(req);
      const { clientId, managers } = req.body;
      await requireVisible(ctx, actor, { clientId, managerIds: managers?.map((m) => m.managerId) });
      return reply.code(201).send(await createInstallation(ctx, actor, req.body));
    },
  );

  app.patch(
    '/installations/:id',
    {
      schema: {
        tags,
        summary: 'Change an installation (managers replaces the list)',
        params: IdParams,
        body: InstallationPatch.strict(),
        response: { 200: InstallationOut, ...writeErrors },
      },
    },
    async (req) => {
      const actor = actorOf(req);
      await getInstallation(ctx, actor, req.params.id);
      await requireVisible(ctx, actor, { managerIds: req.body.managers?.map((m) => m.managerId) });
      return updateInstallation(ctx, actor, req.params.id, req.body);
    },
  );

  app.delete(
    '/installations/:id',
    {
      schema: {
        tags,
        summary: 'Delete an installation',
        params: IdParams,
        response: { 204: z.null(), ...writeErrors },
      },
    },
    async (req, reply) => {
      const actor = actorOf(req);
      await getInstallation(ctx, actor, req.params.id);
      await deleteInstallation(ctx, actor, req.params.id);
      return reply.code(204).send(null);
    },
  );
};
