import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliActor } from '../../src/tenancy/scope.js';
import { createUser } from '../../src/tenancy/users.js';
import { DB_KINDS } from '../helpers/db.js';
import { buildDealerWorld, TEST_PASSWORD, type DealerWorld } from '../helpers/tenants.js';
import { body, loginAs, startTestServer, type Client, type Res, type TestServer } from './harness.js';

/**
 * Every 400 `invalid` answer names the field as `body.…`, `querystring.…` or `params.…` and says what
 * is wrong with it, in `message` and one item per field in `details`, whether the route's schema or
 * the service behind it found the problem.
 */

interface Invalid {
  error: string;
  message: string;
  details: string[];
}

/** The answer's details, after checking the shape every validation error shares. */
function invalidDetails(r: Res): string[] {
  expect(r.status, r.text).toBe(400);
  const b = body<Invalid>(r);
  expect(b.error).toBe('invalid');
  expect(b.message).toBe(`invalid request: ${b.details.join('; ')}`);
  for (const d of b.details) expect(d).toMatch(/^(body|querystring|params)(\.[\w-]+)*: \S/);
  return b.details;
}

describe.each(DB_KINDS)('HTTP: validation errors name the field (%s)', (kind) => {
  let s: TestServer;
  let a: DealerWorld;
  let admin: Client;
  let root: Client;

  beforeAll(async () => {
    s = await startTestServer(kind);
    a = await buildDealerWorld(s.t.ctx, 'vala');
    await createUser(s.t.ctx, cliActor('test'), {
      dealerId: null,
      login: 'root',
      password: TEST_PASSWORD,
      role: 'operator',
    });
    admin = await loginAs(s.url, a.users.admin.login, TEST_PASSWORD);
    root = await loginAs(s.url, 'root', TEST_PASSWORD);
  });
  afterAll(() => s.close());

  it('params', async () => {
    expect(invalidDetails(await admin.get('/api/installations/abc'))).toEqual([
      'params.id: must be a positive integer id',
    ]);
    expect(invalidDetails(await admin.get('/api/installations/0/agent-tokens'))).toEqual([
      'params.id: must be a positive integer id',
    ]);
    expect(invalidDetails(await admin.patch('/api/maintenance-windows/-1', { comment: 'x' }))).toEqual([
      'params.id: must be a positive integer id',
    ]);
  });

  it('querystring', async () => {
    expect(
      invalidDetails(await admin.get(`/api/dealers/${a.dealer.id}/upload-tokens?installationId=x`)),
    ).toEqual(['querystring.installationId: must be a positive integer id']);
    const two = invalidDetails(await admin.get('/api/alerts?dealerId=x&state=sleeping'));
    expect(two.sort()).toEqual([
      'querystring.dealerId: must be a positive integer id',
      expect.stringMatching(/^querystring\.state: .*open/),
    ]);
    // Checked by the route itself (a CSV import has no JSON schema for this): same spelling.
    const noDealer = await root.req('POST', '/api/import/managers', { raw: 'x', type: 'text/csv' });
    expect(noDealer.status).toBe(400);
    expect(body<Invalid>(noDealer).message).toMatch(/^querystring\.dealer: required/);
  });

  it('body: types, formats and nested fields', async () => {
    expect(invalidDetails(await admin.post('/api/installations', { clientId: 'x', kind: 'agent' }))).toEqual([
      'body.clientId: Invalid input: expected number, received string',
    ]);
    const emails = invalidDetails(
      await admin.post('/api/managers', { name: 'X', emails: ['ok@x.ru', 'bad'] }),
    );
    expect(emails).toEqual([expect.stringMatching(/^body\.emails\.1: .*email/i)]);
    // No body at all: the body itself is the field.
    expect(invalidDetails(await admin.req('POST', '/api/units'))[0]).toMatch(/^body: .*expected object/);
  });

  it('body: unknown fields are named one by one, at any depth', async () => {
    const r = await admin.post('/api/maintenance-windows', {
      scope: { kind: 'client', id: a.c1.id, unit: 1 },
      timeZone: 'UTC',
      kind: 'once',
      start: '2026-12-01T00:00',
      end: '2026-12-02T00:00',
      comment: 'x',
      commnet: 'y',
      note: 'z',
    });
    expect(invalidDetails(r)).toEqual([
      'body.scope.unit: unknown field',
      'body.commnet: unknown field',
      'body.note: unknown field',
    ]);
    expect(
      invalidDetails(await admin.patch(`/api/users/${a.users.viewer2.id}`, { dispalyName: 'x' })),
    ).toEqual(['body.dispalyName: unknown field']);
  });

  it('body: a value of neither accepted type says which types were expected', async () => {
    const base = { scope: { kind: 'client', id: a.c1.id }, timeZone: 'UTC', kind: 'once', comment: 'x' };
    expect(
      invalidDetails(await admin.post('/api/maintenance-windows', { ...base, start: true, end: 1 })),
    ).toEqual(['body.start: Invalid input: expected number or string, received boolean']);
    expect(
      invalidDetails(await admin.post('/api/maintenance-windows', { ...base, start: 'Monday', end: 1 })),
    ).toEqual([expect.stringMatching(/^body\.start: must be YYYY-MM-DDTHH:MM/)]);
    expect(
      invalidDetails(await admin.post('/api/maintenance-windows', { ...base, kind: 'monthly' })),
    ).toEqual([expect.stringMatching(/^body\.kind: .*'once' \| 'weekly'/)]);
  });

  it('body: problems found by the service behind the route name the field too', async () => {
    const now = s.t.clock.now();
    // A silence ending in the past passes the schema; the service refuses it.
    const silence = await admin.post('/api/silences', {
      matchers: { alerts: ['KodeksTcpStatus'] },
      endsAt: now - 1000,
      comment: 'x',
    });
    expect(invalidDetails(silence)).toEqual(['body.endsAt: must be in the future']);
    const w = await admin.post('/api/maintenance-windows', {
      scope: { kind: 'client', id: a.c1.id },
      timeZone: 'UTC',
      kind: 'once',
      start: now + 3_600_000,
      end: now + 7_200_000,
      comment: 'x',
    });
    expect(w.status, w.text).toBe(201);
    const id = body<{ id: number }>(w).id;
    expect(invalidDetails(await admin.patch(`/api/maintenance-windows/${id}`, { end: now }))).toEqual([
      'body.end: must be later than start',
    ]);
    expect(
      invalidDetails(await admin.patch(`/api/maintenance-windows/${id}`, { startTime: '02:00' })),
    ).toEqual(['body.startTime: only for weekly windows; this one is once (send kind to change it)']);
  });

  it('service checks about one field name it where the request carried it', async () => {
    // The operator belongs to no dealer: the dealer the service needs is named in the query or the body.
    expect(invalidDetails(await root.get('/api/alert-settings/KodeksIcmp'))).toEqual([
      'querystring.dealerId: required, because you belong to no dealer',
    ]);
    expect(invalidDetails(await root.del('/api/alert-settings/KodeksIcmp'))).toEqual([
      'querystring.dealerId: required, because you belong to no dealer',
    ]);
    expect(
      invalidDetails(await root.req('PUT', '/api/alert-settings/KodeksIcmp', { body: { enabled: false } })),
    ).toEqual(['body.dealerId: required, because you belong to no dealer']);
    expect(invalidDetails(await root.post('/api/clients', { shortName: 'nodealer' }))).toEqual([
      'body.dealerId: required, because you belong to no dealer',
    ]);
    // A polled installation keeps an address, a port and a protocol: the field taken away is named.
    expect(invalidDetails(await admin.patch(`/api/installations/${a.i2.id}`, { address: null }))).toEqual([
      'body.address: a polled installation needs an address, a port and a protocol',
    ]);
    expect(invalidDetails(await admin.patch(`/api/installations/${a.i2.id}`, { port: null }))).toEqual([
      'body.port: a polled installation needs an address, a port and a protocol',
    ]);
    expect(
      invalidDetails(
        await admin.post('/api/users', { login: 'nolink', password: TEST_PASSWORD, role: 'manager' }),
      ),
    ).toEqual(['body.managerId: a user with role manager must be linked to a manager record']);
  });
});
