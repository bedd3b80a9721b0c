import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStalledPort, type StalledPort } from './stalled-port.js';
import { tcpConnect } from './tcp.js';

let listener: Server;
let open: number;
let closed: number;
let stalled: StalledPort;

const listen = (s: Server): Promise<number> =>
  new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve((s.address() as AddressInfo).port)));

beforeAll(async () => {
  listener = createServer((s) => s.destroy());
  open = await listen(listener);
  const tmp = createServer();
  closed = await listen(tmp);
  await new Promise((r) => tmp.close(r));
  stalled = await openStalledPort();
});
afterAll(() => {
  listener.close();
  stalled.close();
});

describe('tcpConnect', () => {
  it('connects to a listening port', async () => {
    const r = await tcpConnect('127.0.0.1', open, 2000);
    expect(r.outcome).toBe('ok');
    expect(r.latencyMs).toBeGreaterThanOrEqual(0);
    expect(r.code).toBeUndefined();
  });

  it('a closed port is refused', async () => {
    expect(await tcpConnect('127.0.0.1', closed, 2000)).toMatchObject({
      outcome: 'failed',
      code: 'ECONNREFUSED',
    });
  });

  it('a port that never answers times out', async () => {
    const r = await tcpConnect('127.0.0.1', stalled.port, 300);
    expect(r).toMatchObject({ outcome: 'failed', code: 'ETIMEDOUT', detail: 'no connection within 300 ms' });
    expect(r.latencyMs).toBeGreaterThanOrEqual(290);
    expect(r.latencyMs).toBeLessThan(2000);
  });

  it('a bad port or name fails without throwing', async () => {
    expect(await tcpConnect('127.0.0.1', 70_000, 1000)).toMatchObject({
      outcome: 'failed',
      code: 'ERR_SOCKET_BAD_PORT',
    });
    const r = await tcpConnect('nonexistent.invalid', 80, 2000);
    expect(r.outcome).toBe('failed');
    expect(['ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT']).toContain(r.code);
  });

  it('an aborted connect is unknown', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    expect(await tcpConnect('127.0.0.1', stalled.port, 5000, ac.signal)).toMatchObject({
      outcome: 'unknown',
      detail: 'aborted',
    });
  });
});
