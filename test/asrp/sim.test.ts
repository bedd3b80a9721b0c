/**
 * The ASRP simulator on its own, over real HTTP: what SMART's uploader is tested against must itself
 * behave as documented (docs/simulator-asrp.md).
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  compareVersions,
  DEFAULT_ASRP_LOGIN,
  DEFAULT_ASRP_PASSWORD,
  startAsrpSim,
  type AsrpSim,
} from '../../src/sim/asrp/index.js';
import {
  generateSysinfoXmlString,
  generateSysinfoZipBuffer,
  makeProfile,
} from '../../src/sim/kodeks/index.js';

const T0 = Date.UTC(2026, 10, 1, 8, 0, 0);

async function post(
  sim: AsrpSim,
  data: Uint8Array,
  opts: { login?: string; password?: string; client?: string; name?: string; timeoutMs?: number } = {},
) {
  const form = new FormData();
  form.append('dealer', 'rogaikopita599');
  form.append('client', opts.client ?? 'romashka');
  form.append('file', new Blob([data]), opts.name ?? 'romashka.xml');
  const auth = Buffer.from(`${opts.login ?? DEFAULT_ASRP_LOGIN}:${opts.password ?? DEFAULT_ASRP_PASSWORD}`);
  const res = await fetch(sim.endpoint, {
    method: 'POST',
    headers: { authorization: `Basic ${auth.toString('base64')}` },
    body: form,
    signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
  });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    /* an HTML error page */
  }
  return { status: res.status, text, json };
}

describe('ASRP simulator', () => {
  let sim: AsrpSim;
  const profile = makeProfile({ seed: 7, shortName: 'romashka', users: 5 });
  const xml = (at: number) => new TextEncoder().encode(generateSysinfoXmlString(profile, at));

  beforeAll(async () => {
    sim = await startAsrpSim({ clock: () => T0, minSysinfoVersion: '2.0.6.0' });
  });
  afterAll(async () => sim.close());
  beforeEach(() => sim.reset());

  it('accepts a new sysinfo: ok / Принят, an ObjectId-like upload number and a GUID', async () => {
    const data = xml(T0);
    const r = await post(sim, data);
    expect(r.status).toBe(200);
    expect(r.json.response).toBe('ok');
    expect(r.json.state).toBe('Принят');
    const num = String(r.json.uploadNumber);
    expect(num).toMatch(/^[0-9a-f]{22}$/);
    // The first 8 hex digits are the Unix time of the upload (as in the observed 64bca78c…).
    expect(Number.parseInt(num.slice(0, 8), 16)).toBe(Math.floor(T0 / 1000));
    expect(String(r.json.id)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(sim.uploads).toHaveLength(1);
    expect(sim.uploads[0]!.sha256).toBe(createHash('sha256').update(data).digest('hex'));
  });

  it('answers warning / Повтор with the same identifier for a file it already has', async () => {
    const data = xml(T0 + 1000);
    const first = await post(sim, data);
    const again = await post(sim, data);
    expect(again.json).toMatchObject({ response: 'warning', state: 'Повтор', id: first.json.id });
    expect(again.json.uploadNumber).not.toBe(first.json.uploadNumber);
  });

  it('accepts the zipped form the agents send', async () => {
    const zip = await generateSysinfoZipBuffer(profile, T0 + 2000);
    const r = await post(sim, zip, { name: 'romashka.zip' });
    expect(r.json).toMatchObject({ response: 'ok', state: 'Принят' });
  });

  it('refuses wrong credentials with 401 and counts the request', async () => {
    const r = await post(sim, xml(T0), { password: 'wrong' });
    expect(r.status).toBe(401);
    expect(r.json.message).toBe('Неверный логин или пароль');
    expect(sim.requests).toBe(1);
    expect(sim.uploads).toHaveLength(0);
  });

  it('refuses with a warning what is not a sysinfo, and a sysinfo older than the minimum version', async () => {
    const junk = await post(sim, new TextEncoder().encode('hello'));
    expect(junk.json).toMatchObject({ response: 'warning', state: null, id: null });
    expect(String(junk.json.message)).toMatch(/не является выгрузкой sysinfo/);

    const old = await startAsrpSim({ minSysinfoVersion: '9.0' });
    try {
      const r = await post(old, xml(T0));
      expect(r.json.response).toBe('warning');
      expect(String(r.json.message)).toContain(`Устаревшая версия sysinfo ${profile.sysinfoVersion}`);
    } finally {
      await old.close();
    }
  });

  it('fault switches: 5xx for one client, scripted warnings, never answering, and `times`', async () => {
    sim.setFault('romashka', { kind: 'status', status: 503, times: 1 });
    const a = await post(sim, xml(T0 + 3000));
    expect(a.status).toBe(503);
    expect(a.text).toContain('<html>');
    const b = await post(sim, xml(T0 + 3000));
    expect(b.json.state).toBe('Принят');

    sim.setFault('*', { kind: 'warning', message: 'Клиент не найден' });
    const c = await post(sim, xml(T0 + 4000), { client: 'other' });
    expect(c.json).toMatchObject({ response: 'warning', message: 'Клиент не найден' });
    sim.setFault('*', null);

    sim.setFault('romashka', { kind: 'store-then-timeout', times: 1 });
    const data = xml(T0 + 5000);
    await expect(post(sim, data, { timeoutMs: 500 })).rejects.toThrow();
    const after = await post(sim, data);
    expect(after.json.state).toBe('Повтор');
  });

  it('compares dotted versions numerically', () => {
    expect(compareVersions('2.0.6.12', '2.0.6.15')).toBeLessThan(0);
    expect(compareVersions('2.0.10', '2.0.9')).toBeGreaterThan(0);
    expect(compareVersions('2.0', '2.0.0')).toBe(0);
  });
});
