import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { createApiToken, listApiTokens, revokeApiToken } from '../../tenancy/users.js';
import { actorOf } from '../auth.js';
import { authErrors, IdParams, TokenInfoOut, writeErrors } from '../schemas.js';
import type { RouteOptions } from './common.js';

const tags = ['api tokens'];

export const apiTokenRoutes: FastifyPluginAsyncZod<RouteOptions> = async (app, { runtime: { ctx } }) => {
  app.get(
    '/api-tokens',
    {
      schema: {
        tags,
        summary: "The caller's own API tokens (never the tokens themselves)",
        response: { 200: z.array(TokenInfoOut), ...authErrors },
      },
    },
    async (req) => listApiTokens(ctx, actorOf(req)),
  );

  app.post(
    '/api-tokens',
    {
      schema: {
        tags,
        summary: 'Create an API token acting as the caller; the token is shown once',
        body: z
          .object({ label: z.string().trim().max(100).default('') })
          .strict()
          .nullish(),
        response: { 201: z.object({ info: TokenInfoOut, token: z.string() }), ...writeErrors },
      },
    },
    async (req, reply) =>
      reply.code(201).send(await createApiToken(ctx, actorOf(req), req.body?.label ?? '')),
  );

  app.delete(
    '/api-tokens/:id',
    {
      schema: {
        tags,
        summary: 'Revoke one of your API tokens',
        params: IdParams,
        response: { 204: z.null(), ...authErrors },
      },
    },
    async (req, reply) => {
      await revokeApiToken(ctx, actorOf(req), req.params.id);
      return reply.code(204).send(null);
    },
  );
};
