import type { FastifyInstance } from 'fastify';
import type { Ingest } from '../ingest/service.js';
import type { Runtime } from '../runtime.js';
import { buildApp } from './app.js';

export interface StartServerOptions {
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  /** false silences the request log (tests); defaults to true (pino at config.logLevel). */
  logger?: boolean;
  /** Serve the agent upload endpoints with this ingest (spool + processor). */
  ingest?: Ingest;
}

export interface RunningServer {
  /** Base URL the server answers on, e.g. `http://127.0.0.1:8080`. */
  url: string;
  app: FastifyInstance;
  close(): Promise<void>;
}

/** Builds the app and listens; the caller owns the runtime (closing the server does not close the database). */
export async function startServer(runtime: Runtime, opts: StartServerOptions): Promise<RunningServer> {
  const app = await buildApp(runtime, { logger: opts.logger ?? true, ingest: opts.ingest });
  await app.listen({ host: opts.host, port: opts.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : opts.port;
  const host = opts.host === '0.0.0.0' || opts.host === '::' ? '127.0.0.1' : opts.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return { url, app, close: () => closeGracefully(app) };
}

/** How long requests in flight may finish when the server stops before their connections are cut. */
const CLOSE_GRACE_MS = 5_000;

/**
 * Stops listening and waits for requests in flight, but not for ever: a client that keeps sending on a
 * kept-alive connection (an agent uploading every few seconds) would hold the stop for the whole
 * keep-alive timeout (72 s) otherwise.
 */
async function closeGracefully(app: FastifyInstance): Promise<void> {
  const cut = setTimeout(() => app.server.closeAllConnections(), CLOSE_GRACE_MS);
  try {
    await app.close();
  } finally {
    clearTimeout(cut);
  }
}
