import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  createDealer,
  createUploadToken,
  DealerInput,
  getDealer,
  listDealers,
  listUploadTokens,
  revokeUploadToken,
} from '../../tenancy/dealers.js';
import { actorOf } from '../auth.js';
import { listAgentTokens } from '../../ingest/agent-tokens.js';
import { authErrors, DealerOut, IdParams, QueryId, UploadTokenOut, writeErrors } from '../schemas.js';
import type { RouteOptions } from './common.js';

const tags = ['dealers'];
const TokenLabel = z.object({ label: z.string().trim().max(100).default('') });

export const dealerRoutes: FastifyPluginAsyncZod<RouteOptions> = async (app, { runtime: { ctx } }) => {
  app.get(
    '/dealers',
    {
      schema: {
        tags,
        summary: 'Dealers visible to the caller',
        response: { 200: z.array(DealerOut), ...authErrors },
      },
    },
    async (req) => listDealers(ctx, actorOf(req)),
  );

  app.post(
    '/dealers',
    {
      schema: {
        tags,
        summary: 'Create a dealer (operator only); the first upload token is shown once',
        body: DealerInput.strict(),
        response: { 201: z.object({ dealer: DealerOut, uploadToken: z.string() }), ...writeErrors },
      },
    },
    async (req, reply) => reply.code(201).send(await createDealer(ctx, actorOf(req), req.body)),
  );

  app.get(
    '/dealers/:id',
    {
      schema: { tags, summary: 'One dealer', params: IdParams, response: { 200: DealerOut, ...authErrors } },
    },
    async (req) => getDealer(ctx, actorOf(req), req.params.id),
  );

  app.get(
    '/dealers/:id/upload-tokens',
    {
      schema: {
        tags,
        summary: "The dealer's agent upload tokens (never the tokens themselves)",
        description:
          'With installationId, only the tokens bound to that installation; heads who see it may list those.',
        params: IdParams,
        querystring: z.object({
          installationId: QueryId.describe('only the tokens bound to this installation'),
        }),
        response: { 200: z.array(UploadTokenOut), ...authErrors },
      },
    },
    async (req) => {
      const actor = actorOf(req);
      // Visibility first, so another dealer's id answers 404 whatever the caller's role.
      await getDealer(ctx, actor, req.params.id);
      const { installationId } = req.query;
      if (installationId === undefined) return listUploadTokens(ctx, actor, req.params.id);
      // The filter runs in SQL under the installation's own rule (a head who sees it may list it).
      return listAgentTokens(ctx, actor, installationId, req.params.id);
    },
  );

  app.post(
    '/dealers/:id/upload-tokens',
    {
      schema: {
        tags,
        summary: 'Issue another upload token for the dealer; the token is shown once',
        params: IdParams,
        body: TokenLabel.strict().nullish(),
        response: { 201: z.object({ info: UploadTokenOut, token: z.string() }), ...writeErrors },
      },
    },
    async (req, reply) =>
      reply.code(201).send(await createUploadToken(ctx, actorOf(req), req.params.id, req.body?.label ?? '')),
  );

  app.delete(
    '/upload-tokens/:id',
    {
      schema: {
        tags,
        summary: 'Revoke an upload token',
        params: IdParams,
        response: { 204: z.null(), ...authErrors },
      },
    },
    async (req, reply) => {
      await revokeUploadToken(ctx, actorOf(req), req.params.id);
      return reply.code(204).send(null);
    },
  );
};
