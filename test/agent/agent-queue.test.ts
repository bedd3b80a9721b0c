import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentConfigError, loadAgentConfig } from '../../src/agent/config.js';
import { DiskQueue } from '../../src/agent/queue.js';
import { uploadFile } from '../../src/agent/uploader.js';
import { AGENT_VERSION } from '../../src/agent/version.js';
import { tmpDir, writeConfig } from './agent-harness.js';

const report = (i: number, bytes = 10) => ({
  kind: 'status' as const,
  fileName: 'romashka.status',
  data: Buffer.alloc(bytes, i),
});

describe('agent queue on disk', () => {
  it('drops the oldest reports, with a warning, when over the file limit', async () => {
    const warnings: string[] = [];
    const q = new DiskQueue(tmpDir('smart-q-'), { maxBytes: 1e9, maxFiles: 3 }, (m) => warnings.push(m));
    const t0 = Date.UTC(2026, 0, 1);
    for (let i = 0; i < 5; i++) await q.add(report(i), t0 + i * 60_000);
    const left = await q.list();
    expect(left.map((x) => x.collectedAt)).toEqual([2, 3, 4].map((i) => t0 + i * 60_000));
    expect(await Promise.all(left.map((x) => q.read(x)))).toEqual([2, 3, 4].map((i) => report(i).data));
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/dropped the oldest, romashka\.status collected 2026-01-01T00:00:00\.000Z/);
  });

  it('drops the oldest when over the byte limit but always keeps the newest', async () => {
    const warnings: string[] = [];
    const q = new DiskQueue(tmpDir('smart-q-'), { maxBytes: 250, maxFiles: 100 }, (m) => warnings.push(m));
    for (let i = 0; i < 4; i++) await q.add(report(i, 100), 1000 + i);
    expect((await q.list()).map((x) => x.collectedAt)).toEqual([1002, 1003]);
    await q.add(report(9, 400), 2000); // alone over the limit: kept, everything older goes
    expect((await q.list()).map((x) => x.collectedAt)).toEqual([2000]);
    expect(warnings).toHaveLength(4);
  });

  it('keeps order and numbering across a restart and ignores half-written entries', async () => {
    const dir = tmpDir('smart-q-');
    const q1 = new DiskQueue(dir, { maxBytes: 1e9, maxFiles: 100 }, () => {});
    await q1.add(report(1), 1);
    await q1.add(report(2), 2);
    fs.mkdirSync(path.join(dir, '000000000099_20260101T000000Z_00000000-0000-0000-0000-000000000000.tmp'));
    const q2 = new DiskQueue(dir, { maxBytes: 1e9, maxFiles: 100 }, () => {});
    const added = await q2.add(report(3), 3);
    expect(added.seq).toBe(3);
    expect((await q2.list()).map((x) => x.collectedAt)).toEqual([1, 2, 3]);
    expect(fs.readdirSync(dir).some((n) => n.endsWith('.tmp'))).toBe(false);
  });
});

describe('agent config', () => {
  const base = {
    client: 'romashka',
    pkUrl: 'http://127.0.0.1:80',
    serverUrl: 'https://smart.example.ru',
    dealer: 'd1',
    token: 't',
  };
  const load = (cfg: Record<string, unknown>) => loadAgentConfig(writeConfig(tmpDir('smart-cfg-'), cfg));
  const problem = (cfg: Record<string, unknown>): string => {
    try {
      load(cfg);
    } catch (e) {
      expect(e).toBeInstanceOf(AgentConfigError);
      return (e as Error).message;
    }
    throw new Error('expected the config to be refused');
  };

  it('fills defaults and resolves paths next to the file', () => {
    const c = load(base);
    expect(c.sysinfoIntervalMs).toBe(3600_000);
    expect(c.statusIntervalMs).toBe(15 * 60_000);
    expect(c.insecure).toBe(false);
    expect(path.isAbsolute(c.queueDir)).toBe(true);
    expect(path.dirname(c.queueDir)).toBe(path.dirname(c.file));
  });

  it('names the file and the field', () => {
    expect(problem({ ...base, pkUrl: 'ftp://x' })).toMatch(/agent\.json: field "pkUrl": must be an http/);
    expect(problem({ ...base, client: 'ромашка' })).toMatch(/field "client": may contain only Latin/);
    expect(problem({ ...base, tokne: 'x' })).toMatch(/unknown field "tokne"/);
    const { token: _t, ...noToken } = base;
    expect(problem(noToken)).toMatch(/field "token": is required unless closedContourDir is set/);
    expect(load({ ...noToken, closedContourDir: 'out' }).server).toBeUndefined();
    expect(problem({ ...base, caFile: 'missing.pem' })).toMatch(/field "caFile": cannot read/);
    const dir = tmpDir('smart-cfg-');
    fs.writeFileSync(path.join(dir, 'agent.json'), '{ "client": ');
    expect(() => loadAgentConfig(path.join(dir, 'agent.json'))).toThrow(/agent\.json: not valid JSON/);
    expect(() => loadAgentConfig(path.join(dir, 'nope.json'))).toThrow(/nope\.json: file not found/);
  });
});

describe('agent uploads', () => {
  let server: http.Server;
  let seen: { url: string; headers: http.IncomingHttpHeaders; body: string }[] = [];
  let url = '';
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('latin1')));
      req.on('end', () => {
        seen.push({ url: req.url ?? '', headers: req.headers, body });
        res
          .writeHead(200, { 'content-type': 'text/plain' })
          .end('{"ok":true,"path":"/files/romashka.status"}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('reports its version and keeps the token out of the URL', async () => {
    seen = [];
    const d = new Agent();
    const out = await uploadFile(
      { url, dealer: 'd1', token: 'secret-token' },
      d,
      'romashka.status',
      Buffer.from('date: x\nm 1\n'),
    );
    await d.close();
    expect(out).toEqual({ ok: true, path: '/files/romashka.status' });
    const r = seen[0]!;
    expect(r.url).toBe('/upload');
    expect(r.headers['user-agent']).toBe(`smart-agent/${AGENT_VERSION}`);
    expect(r.headers['x-smart-agent-version']).toBe(AGENT_VERSION);
    expect(r.headers.authorization).toBe('Bearer secret-token');
    expect(r.headers.dealer).toBe('d1');
    expect(r.headers.upload).toBe('yes');
    expect(r.body).toMatch(/name="file"; filename="romashka\.status"/);
  });
});
