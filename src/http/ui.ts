/**
 * The web app: the files `npm run build` puts into dist/ui, served by `smart serve`.
 *
 * - `/assets/*` (names carry a content hash): cached for a year, immutable;
 * - everything else from dist/ui and `index.html`: `no-cache` (revalidated on every load, so a new
 *   build is picked up at once);
 * - the SPA fallback: a GET of a path outside the API and agent endpoints (`/api`, `/docs`, `/upload`,
 *   `/files`, `/healthz`) that accepts text/html and matches no file answers index.html, so that links
 *   such as /d/emergencies?from=now-30d work when opened directly;
 * - without dist/ui (a checkout that was not built, as in tests) such requests get a short page saying
 *   to run `npm run build`.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { findPackageRoot } from './routes/runbooks.js';

/** Paths that belong to the server: never answered with the web app. */
const SERVER_PREFIXES = ['/api', '/docs', '/upload', '/files', '/healthz'];

export function defaultUiDir(): string {
  return path.join(findPackageRoot(), 'dist', 'ui');
}

const NOT_BUILT = `<!doctype html>
<html lang="ru"><head><meta charset="utf-8"><title>SMART</title>
<style>body{font:15px/1.5 system-ui,sans-serif;background:#111217;color:#ccccdc;display:flex;align-items:center;justify-content:center;height:100vh;margin:0}
main{max-width:560px;padding:24px}code{background:#22252b;padding:2px 6px;border-radius:3px}</style></head>
<body><main><h1>SMART</h1>
<p>Веб-интерфейс не собран: выполните <code>npm run build</code> и перезапустите <code>smart serve</code>.</p>
<p>The web app has not been built: run <code>npm run build</code> and restart <code>smart serve</code>.</p>
<p>API: <a href="/api/docs" style="color:#6e9fff">/api/docs</a></p></main></body></html>
`;

function isServerPath(url: string): boolean {
  const p = url.split('?')[0] ?? url;
  return SERVER_PREFIXES.some((prefix) => p === prefix || p.startsWith(`${prefix}/`));
}

function wantsHtml(req: FastifyRequest): boolean {
  return (req.method === 'GET' || req.method === 'HEAD') && /text\/html/.test(req.headers.accept ?? '');
}

export interface WebApp {
  /** Registers the static files (nothing when the app is not built). */
  register(app: FastifyInstance): Promise<void>;
  /** For the not-found handler: answers with the web app and returns true when the request is one for it. */
  fallback(req: FastifyRequest, reply: FastifyReply): Promise<boolean>;
}

export function webApp(dir: string = defaultUiDir()): WebApp {
  const indexFile = path.join(dir, 'index.html');
  const built = existsSync(indexFile);
  return {
    async register(app) {
      if (!built) return;
      // The root is a directory to the file server (403); it is the app's home page.
      app.get('/', { schema: { hide: true } }, async (_req, reply) =>
        reply
          .header('cache-control', 'no-cache')
          .type('text/html; charset=utf-8')
          .send(await readFile(indexFile, 'utf8')),
      );
      await app.register(fastifyStatic, {
        root: dir,
        prefix: '/',
        index: false,
        wildcard: true,
        // Our own Cache-Control below (send's default would be max-age=0 for everything).
        cacheControl: false,
        // Unknown files fall through to the not-found handler (the SPA fallback or a JSON 404).
        // (`/assets/*` never falls back: a missing asset is a 404.)
        setHeaders(res, file) {
          if (file.startsWith(path.join(dir, 'assets') + path.sep))
            res.setHeader('cache-control', 'public, max-age=31536000, immutable');
          else res.setHeader('cache-control', 'no-cache');
        },
      });
    },
    async fallback(req, reply) {
      if (!wantsHtml(req) || isServerPath(req.url)) return false;
      if ((req.url.split('?')[0] ?? '').startsWith('/assets/')) return false;
      reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8');
      if (!built) {
        await reply.code(200).send(NOT_BUILT);
        return true;
      }
      // Read each time (it is tiny): a rebuild while the server runs replaces it.
      await reply.code(200).send(await readFile(indexFile, 'utf8'));
      return true;
    },
  };
}
