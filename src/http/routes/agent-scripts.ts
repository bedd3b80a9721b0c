/**
 * Generated smartupload/smartstatus scripts per installation (issue 8, part 1).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { generateAgentScript, ScriptRequest } from '../../agents/script-service.js';
import { actorOf } from '../auth.js';
import { IdParams, writeErrors } from '../schemas.js';
import type { RouteOptions } from './common.js';

const ScriptOut = z.object({
  installationId: z.number(),
  kind: z.enum(['upload', 'status']),
  os: z.enum(['windows', 'linux']),
  fileName: z.string(),
  content: z.string(),
  installDir: z.string(),
  scriptPath: z.string(),
  serverUrl: z.string(),
  pkUrl: z.string(),
  schedule: z.object({
    command: z.string(),
    minutes: z.array(z.number()),
    intervalMinutes: z.number(),
  }),
  tokenId: z.number(),
  tokenIssued: z.boolean(),
});

export const agentScriptRoutes: FastifyPluginAsyncZod<RouteOptions> = async (app, { runtime }) => {
  app.post(
    '/installations/:id/agent-script',
    {
      schema: {
        tags: ['ingestion'],
        summary:
          'A ready smartupload/smartstatus script for this agent installation, with its scheduler command; issues an agent token unless one is given',
        params: IdParams,
        body: ScriptRequest,
        response: { 200: ScriptOut, ...writeErrors },
      },
    },
    async (req, reply) => {
      const origin = `${req.protocol}://${req.host}`;
      const script = await generateAgentScript(runtime.ctx, actorOf(req), req.params.id, req.body, {
        publicUrl: runtime.config.publicUrl,
        origin,
      });
      // The answer holds a token and maybe a password: never cached.
      return reply.header('cache-control', 'no-store').send(script);
    },
  );
};
