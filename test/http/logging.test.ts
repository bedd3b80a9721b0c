import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { buildApp, redactUrl } from '../../src/http/app.js';
import type { Runtime } from '../../src/runtime.js';
import { createDealer } from '../../src/tenancy/dealers.js';
import { cliActor } from '../../src/tenancy/scope.js';
import { DB_KINDS, openTestContext, type TestContext } from '../helpers/db.js';

describe.each(DB_KINDS)('request log (%s)', (kind) => {
  let t: TestContext;
  let url: string;
  let close: () => Promise<void>;
  let log = '';
  let token: string;

  beforeAll(async () => {
    t = await openTestContext(kind);
    token = (await createDealer(t.ctx, cliActor('t'), { code: 'logdealer', name: 'L' })).uploadToken;
    const runtime: Runtime = {
      ctx: t.ctx,
      config: loadConfig({ SMART_LOG_LEVEL: 'info' }),
      close: async () => {},
    };
    const stream = new PassThrough();
    stream.on('data', (c: Buffer) => (log += c.toString()));
    const app = await buildApp(runtime, { logStream: stream });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const addr = app.server.address() as { port: number };
    url = `http://127.0.0.1:${addr.port}`;
    close = async () => {
      await app.close();
      await t.close();
    };
  });
  afterAll(() => close());

  it('never writes an agent token from the query string', async () => {
    await fetch(`${url}/files/romashka.zip?token=${token}`, {
      method: 'HEAD',
      headers: { dealer: 'logdealer' },
    });
    await fetch(`${url}/healthz?token=${token}&x=1`);
    await new Promise((r) => setTimeout(r, 50));
    expect(log).toContain('/healthz?token=[redacted]&x=1');
    expect(log).not.toContain(token);
  });

  it('redacts token and password parameters only', () => {
    expect(redactUrl('/upload?token=abc&dealer=x')).toBe('/upload?token=[redacted]&dealer=x');
    expect(redactUrl('/x?a=1&Password=secret#f')).toBe('/x?a=1&Password=[redacted]#f');
    expect(redactUrl('/x?tokens=1')).toBe('/x?tokens=1');
  });
});
