import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { createAgentToken, listAgentTokens } from '../../ingest/agent-tokens.js';
import {
  AttachInput,
  attachUnregisteredSource,
  installationChannels,
  listReports,
  listUnregisteredSources,
  ReportQuery,
} from '../../ingest/health.js';
import { actorOf } from '../auth.js';
import { authErrors, IdParams, UploadTokenOut, writeErrors } from '../schemas.js';
import type { RouteOptions } from './common.js';

const tags = ['ingestion'];

const ReportOut = z.object({
  id: z.number(),
  dealerId: z.number(),
  installationId: z.number().nullable(),
  sourceName: z.string(),
  fileName: z.string(),
  channel: z.string(),
  format: z.string(),
  via: z.string(),
  sizeBytes: z.number(),
  receivedAt: z.number(),
  status: z.string(),
  processedAt: z.number().nullable(),
  reportAt: z.number().nullable(),
  errorReason: z.string().nullable(),
  errorMessage: z.string().nullable(),
});

const UnregisteredOut = z.object({
  dealerId: z.number(),
  sourceName: z.string(),
  reports: z.number(),
  firstReceivedAt: z.number(),
  lastReceivedAt: z.number(),
});

const ChannelOut = z.object({
  channel: z.string(),
  lastReceivedAt: z.number().nullable(),
  lastProcessedAt: z.number().nullable(),
  lastDataAt: z.number().nullable(),
  lastErrorAt: z.number().nullable(),
  lastErrorReason: z.string().nullable(),
  lastErrorMessage: z.string().nullable(),
  consecutiveFailures: z.number(),
});

/** Ingestion health: the report ledger (with quarantined files and why), unregistered sources, channels. */
export const ingestRoutes: FastifyPluginAsyncZod<RouteOptions> = async (app, { runtime: { ctx } }) => {
  app.get(
    '/ingest/reports',
    {
      schema: {
        tags,
        summary:
          'Received reports, newest first (status=quarantined lists the files that failed, with the reason)',
        querystring: ReportQuery,
        response: { 200: z.array(ReportOut), ...authErrors },
      },
    },
    async (req) => listReports(ctx, actorOf(req), req.query),
  );

  app.get(
    '/ingest/unregistered',
    {
      schema: {
        tags,
        summary: 'Client names agents upload under that match no installation (dealer admins)',
        response: { 200: z.array(UnregisteredOut), ...authErrors },
      },
    },
    async (req) => listUnregisteredSources(ctx, actorOf(req)),
  );

  app.post(
    '/ingest/unregistered/attach',
    {
      schema: {
        tags,
        summary:
          'Attach an unregistered source to a client: creates its agent installation and processes its reports',
        body: AttachInput.strict(),
        response: { 200: z.object({ installationId: z.number(), reports: z.number() }), ...writeErrors },
      },
    },
    async (req) => attachUnregisteredSource(ctx, actorOf(req), req.body),
  );

  app.get(
    '/installations/:id/channels',
    {
      schema: {
        tags,
        summary:
          'When each channel (sysinfo, status) of the installation last delivered, and its last failure',
        params: IdParams,
        response: { 200: z.array(ChannelOut), ...authErrors },
      },
    },
    async (req) => installationChannels(ctx, actorOf(req), req.params.id),
  );

  app.get(
    '/installations/:id/agent-tokens',
    {
      schema: {
        tags,
        summary:
          'The upload tokens bound to this installation (never the tokens themselves); for those who may issue them',
        params: IdParams,
        response: { 200: z.array(UploadTokenOut), ...authErrors },
      },
    },
    async (req) => listAgentTokens(ctx, actorOf(req), req.params.id),
  );

  app.post(
    '/installations/:id/agent-tokens',
    {
      schema: {
        tags,
        summary: 'Issue an upload token bound to this installation; shown once, revocable alone',
        params: IdParams,
        body: z.object({ label: z.string().trim().max(100).default('') }).strict(),
        response: { 201: z.object({ info: UploadTokenOut, token: z.string() }), ...writeErrors },
      },
    },
    async (req, reply) => {
      const created = await createAgentToken(ctx, actorOf(req), req.params.id, req.body.label);
      return reply.code(201).send(created);
    },
  );
};
