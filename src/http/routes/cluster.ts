/**
 * `GET /api/cluster` (operator only): the nodes sharing this database, their health and what each holds,
 * and the periodic work by kind (docs/operations.md).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ClusterOut, clusterStatus } from '../../cluster/status.js';
import { actorOf } from '../auth.js';
import { authErrors } from '../schemas.js';
import type { RouteOptions } from './common.js';

export const clusterRoutes: FastifyPluginAsyncZod<RouteOptions> = async (app, { runtime }) => {
  app.get(
    '/cluster',
    {
      schema: {
        tags: ['cluster'],
        summary: 'The nodes sharing this database, their health and what they hold (operator only)',
        response: { 200: ClusterOut, ...authErrors },
      },
    },
    async (req) => clusterStatus(runtime.ctx, actorOf(req), runtime.config.nodeDeadAfterMs),
  );
};
