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
  return { url, app, close: () => app.close() };
}
