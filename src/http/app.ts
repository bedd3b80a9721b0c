import cookie from '@fastify/cookie';
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Ingest } from '../ingest/service.js';
import type { Runtime } from '../runtime.js';
import { loginRoute, requireAuth, sessionRoutes } from './auth.js';
import { registerDocs } from './docs.js';
import { installErrorHandlers } from './errors.js';
import { healthRoutes } from './health.js';
import { runbookRoutes } from './routes/runbooks.js';
import { LoginLimiter } from './login-limiter.js';
import { alertRoutes } from './routes/alerts.js';
import { apiTokenRoutes } from './routes/api-tokens.js';
import { checkRoutes } from './routes/checks.js';
import { clientRoutes } from './routes/clients.js';
import { clusterRoutes } from './routes/cluster.js';
import { csvRoutes } from './routes/csv.js';
import { dbHealthDashboardRoutes } from './routes/dashboards-db-health.js';
import { installationDashboardRoutes } from './routes/dashboards-installations.js';
import { searchDashboardRoutes } from './routes/dashboards-search.js';
import { usersDashboardRoutes } from './routes/dashboards-users.js';
import { dashboardRoutes } from './routes/dashboards.js';
import { readContext } from '../context.js';
import { managersDashboardRoutes } from './routes/dashboards-managers.js';
import { kassistDashboardRoutes } from './routes/dashboards-kassist.js';
import { searchTimeDashboardRoutes } from './routes/dashboards-search-time.js';
import { billingAnalyticsDashboardRoutes } from './routes/dashboards-billing-analytics.js';
import { onlineSearchDashboardRoutes } from './routes/dashboards-online-search.js';
import { quarterlyDashboardRoutes } from './routes/dashboards-quarterly.js';
import { dealerRoutes } from './routes/dealers.js';
import { agentScriptRoutes } from './routes/agent-scripts.js';
import { renewalRoutes } from './routes/renewal.js';
import { asrpRoutes } from './routes/asrp.js';
import { clientHealthRoutes } from './routes/client-health.js';
import { manualUploadRoutes } from './routes/manual-upload.js';
import { ingestRoutes } from './routes/ingest.js';
import { installationRoutes } from './routes/installations.js';
import { managerRoutes } from './routes/managers.js';
import { onlineRoutes } from './routes/online.js';
import { unitRoutes } from './routes/units.js';
import { uploadRoutes } from './routes/upload.js';
import { userRoutes } from './routes/users.js';
import { webApp } from './ui.js';

export interface BuildAppOptions {
  /** false disables logging (tests); true (default) logs with pino at config.logLevel. */
  logger?: boolean;
  /** Failed-login limiter; tests pass one with a small limit. */
  loginLimiter?: LoginLimiter;
  /** Where the request log goes (default stdout); tests read it. */
  logStream?: NodeJS.WritableStream;
  /** The agent upload endpoints (`POST /upload`, `HEAD /files/NAME`) are served when given. */
  ingest?: Ingest;
  /** Where the built web app is (default dist/ui of the package); tests point it elsewhere. */
  uiDir?: string;
}

/** JSON bodies are small; CSV imports have their own, configurable limit. */
export const JSON_BODY_LIMIT = 1024 * 1024;

/** The URL with the values of secret query parameters replaced, for logs. */
export function redactUrl(url: string): string {
  return url.replace(/([?&](?:token|password)=)[^&#]*/gi, '$1[redacted]');
}

export async function buildApp(runtime: Runtime, opts: BuildAppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger:
      opts.logger === false
        ? false
        : {
            level: runtime.config.logLevel,
            ...(opts.logStream ? { stream: opts.logStream } : {}),
            // Agents send their token in the query string (the old scripts do); it must not reach the logs.
            serializers: {
              req: (req: { method: string; url: string; ip?: string }) => ({
                method: req.method,
                url: redactUrl(req.url),
                remoteAddress: req.ip,
              }),
            },
          },
    bodyLimit: JSON_BODY_LIMIT,
    // A body carrying __proto__ or constructor.prototype is refused before any handler sees it.
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  const web = webApp(opts.uiDir);
  installErrorHandlers(app, { notFoundFallback: web.fallback });
  app.decorateRequest('auth', null);
  await app.register(cookie);
  await registerDocs(app);

  const options = { runtime };
  await app.register(healthRoutes, options);
  // Public, like the existing service's links in alert messages.
  await app.register(runbookRoutes);
  if (opts.ingest) await app.register(uploadRoutes, { runtime, ingest: opts.ingest });
  await app.register(
    async (api) => {
      await api.register(loginRoute, { runtime, limiter: opts.loginLimiter });
      await api.register(async (secured) => {
        secured.addHook('onRequest', requireAuth(runtime.ctx));
        for (const routes of [
          sessionRoutes,
          dealerRoutes,
          unitRoutes,
          userRoutes,
          managerRoutes,
          clientRoutes,
          installationRoutes,
          onlineRoutes,
          apiTokenRoutes,
          csvRoutes,
          ingestRoutes,
          checkRoutes,
          alertRoutes,
          agentScriptRoutes,
          renewalRoutes,
          asrpRoutes,
          clientHealthRoutes,
          clusterRoutes,
        ]) {
          await secured.register(routes, options);
        }
        // The dashboards only read: on SQLite through the read threads (AppContext.reads).
        const reading = { runtime: { ...runtime, ctx: readContext(runtime.ctx) } };
        for (const routes of [
          dashboardRoutes,
          installationDashboardRoutes,
          dbHealthDashboardRoutes,
          usersDashboardRoutes,
          searchDashboardRoutes,
          managersDashboardRoutes,
          kassistDashboardRoutes,
          searchTimeDashboardRoutes,
          billingAnalyticsDashboardRoutes,
          onlineSearchDashboardRoutes,
          quarterlyDashboardRoutes,
        ]) {
          await secured.register(routes, reading);
        }
        // Report files uploaded by hand (closed contours) need this node's spool.
        if (opts.ingest) await secured.register(manualUploadRoutes, { runtime, ingest: opts.ingest });
      });
    },
    { prefix: '/api' },
  );
  // The web app last: its catch-all file route never shadows an API route.
  await web.register(app);
  await app.ready();
  return app;
}
