import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { buildApp } from '../../src/http/app.js';
import type { Runtime } from '../../src/runtime.js';
import { openTestContext, type TestContext } from '../helpers/db.js';

/**
 * The web app as `smart serve` serves it: hashed assets cached for a year, index.html never cached,
 * the SPA fallback for page URLs (and never for the API, runbooks, agent endpoints or health), and a
 * page saying to build when dist/ui is missing.
 */
describe('web app serving', () => {
  let t: TestContext;
  let built: FastifyInstance;
  let bare: FastifyInstance;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smart-ui-'));
  const INDEX =
    '<!doctype html><html><body><div id="root"></div><script src="/assets/app-abc123.js"></script></body></html>';

  beforeAll(async () => {
    fs.mkdirSync(path.join(dir, 'assets'));
    fs.writeFileSync(path.join(dir, 'index.html'), INDEX);
    fs.writeFileSync(path.join(dir, 'assets', 'app-abc123.js'), 'console.log(1)');
    fs.writeFileSync(path.join(dir, 'favicon.svg'), '<svg/>');
    t = await openTestContext('sqlite');
    const config = loadConfig({ SMART_DATA_DIR: dir, SMART_LOG_LEVEL: 'silent' });
    const runtime: Runtime = { ctx: t.ctx, config, close: async () => {} };
    built = await buildApp(runtime, { logger: false, uiDir: dir });
    bare = await buildApp(runtime, { logger: false, uiDir: path.join(dir, 'missing') });
  });

  afterAll(async () => {
    await built?.close();
    await bare?.close();
    await t?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const html = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };

  it('serves hashed assets for a year and index.html without caching', async () => {
    const asset = await built.inject({ url: '/assets/app-abc123.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const root = await built.inject({ url: '/', headers: html });
    expect(root.statusCode).toBe(200);
    expect(root.headers['cache-control']).toBe('no-cache');
    expect(root.body).toBe(INDEX);
    const icon = await built.inject({ url: '/favicon.svg' });
    expect(icon.headers['cache-control']).toBe('no-cache');
  });

  it('answers page URLs with index.html (deep links), and the rest as before', async () => {
    const deep = await built.inject({
      url: '/d/emergencies?from=now-30d&to=now&var-priority=K1',
      headers: html,
    });
    expect(deep.statusCode).toBe(200);
    expect(deep.headers['content-type']).toMatch(/^text\/html/);
    expect(deep.headers['cache-control']).toBe('no-cache');
    expect(deep.body).toBe(INDEX);
    // Not for the server's own paths, not without text/html, not for a missing asset.
    for (const url of [
      '/api/nope',
      '/docs/nope',
      '/upload/x',
      '/files/x.zip',
      '/healthz/x',
      '/assets/gone.js',
    ]) {
      const r = await built.inject({ url, headers: html });
      expect(r.statusCode, url).toBe(404);
      expect(r.json(), url).toMatchObject({ error: 'not_found' });
    }
    const json = await built.inject({ url: '/d/emergencies', headers: { accept: 'application/json' } });
    expect(json.statusCode).toBe(404);
    const post = await built.inject({ method: 'POST', url: '/d/emergencies', headers: html });
    expect(post.statusCode).toBe(404);
    // The API is untouched by the file routes.
    expect((await built.inject({ url: '/api/me', headers: html })).statusCode).toBe(401);
    expect((await built.inject({ url: '/healthz' })).statusCode).toBe(200);
  });

  it('says to run the build when dist/ui is missing', async () => {
    const r = await bare.inject({ url: '/d/kodeks-analytics', headers: html });
    expect(r.statusCode).toBe(200);
    expect(r.body).toContain('npm run build');
    expect((await bare.inject({ url: '/', headers: html })).body).toContain('npm run build');
    expect((await bare.inject({ url: '/api/nope', headers: html })).statusCode).toBe(404);
  });
});
