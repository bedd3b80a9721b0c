import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyUploadToken } from '../../src/tenancy/dealers.js';
import { cliActor } from '../../src/tenancy/scope.js';
import { createUser } from '../../src/tenancy/users.js';
import { DB_KINDS } from '../helpers/db.js';
import { buildDealerWorld, TEST_PASSWORD, type DealerWorld } from '../helpers/tenants.js';
import { body, loginAs, startTestServer, type Client, type Res, type TestServer } from './harness.js';

/**
 * Per-installation agent tokens over HTTP: `GET /api/installations/:id/agent-tokens`, the
 * `installationId` filter of `GET /api/dealers/:id/upload-tokens`, and who may revoke a token
 * (`DELETE /api/upload-tokens/:id`): dealer admins any; heads those of installations they see; managers
 * and viewers none. Out of scope is 404, before any role check.
 */

interface TokenRow {
  id: number;
  dealerId: number;
  installationId: number | null;
  label: string;
  prefix: string;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}
interface Created {
  info: TokenRow;
  token: string;
}

const ROW_KEYS = [
  'createdAt',
  'dealerId',
  'id',
  'installationId',
  'label',
  'lastUsedAt',
  'prefix',
  'revokedAt',
];

function expectStatus(r: Res, status: number, what = ''): void {
  expect(r.status, `${what} ${r.text}`).toBe(status);
}

describe.each(DB_KINDS)('HTTP: agent upload tokens (%s)', (kind) => {
  let s: TestServer;
  let a: DealerWorld;
  let b: DealerWorld;
  let admin: Client;
  let head1: Client;
  let manager1: Client;
  let viewer2: Client;
  let bAdmin: Client;
  let bHead: Client;
  let root: Client;
  /** Tokens of a.i1 (branch 1), a.i2 (branch 2) and b.i1, issued by the dealer admins. */
  let t1: Created;
  let t2: Created;
  let tb: Created;
  /** The dealer-wide token dealer A was created with. */
  let dealerWideId: number;

  const issue = async (c: Client, installationId: number, label: string): Promise<Created> => {
    const r = await c.post(`/api/installations/${installationId}/agent-tokens`, { label });
    expectStatus(r, 201, 'issue');
    return body<Created>(r);
  };
  const tokensOf = async (c: Client, installationId: number) =>
    body<TokenRow[]>(await c.get(`/api/installations/${installationId}/agent-tokens`));
  /** Whether the agent endpoints would still take this token (they check it with this function). */
  const agentAccepted = async (w: DealerWorld, token: string) =>
    (await verifyUploadToken(s.t.ctx, w.dealer.code, token)) !== null;

  beforeAll(async () => {
    s = await startTestServer(kind);
    a = await buildDealerWorld(s.t.ctx, 'toka');
    b = await buildDealerWorld(s.t.ctx, 'tokb');
    await createUser(s.t.ctx, cliActor('test'), {
      dealerId: null,
      login: 'root',
      password: TEST_PASSWORD,
      role: 'operator',
    });
    const login = (l: string) => loginAs(s.url, l, TEST_PASSWORD);
    admin = await login(a.users.admin.login);
    head1 = await login(a.users.head1.login);
    manager1 = await login(a.users.manager1.login);
    viewer2 = await login(a.users.viewer2.login);
    bAdmin = await login(b.users.admin.login);
    bHead = await login(b.users.head1.login);
    root = await login('root');
    t1 = await issue(admin, a.i1.id, 'alpha server');
    t2 = await issue(admin, a.i2.id, 'beta server');
    tb = await issue(bAdmin, b.i1.id, 'other dealer');
    const all = body<TokenRow[]>(await admin.get(`/api/dealers/${a.dealer.id}/upload-tokens`));
    dealerWideId = all.find((t) => t.installationId === null)!.id;
  });
  afterAll(() => s.close());

  it("lists one installation's tokens, in the dealer list's row shape and never the token", async () => {
    const r = await admin.get(`/api/installations/${a.i1.id}/agent-tokens`);
    expectStatus(r, 200);
    const rows = body<TokenRow[]>(r);
    expect(rows).toEqual([t1.info]);
    expect(Object.keys(rows[0]!).sort()).toEqual(ROW_KEYS);
    expect(r.text).not.toContain(t1.token);
    // The same rows as the dealer list has for that installation.
    const dealerList = body<TokenRow[]>(await admin.get(`/api/dealers/${a.dealer.id}/upload-tokens`));
    expect(dealerList.filter((t) => t.installationId === a.i1.id)).toEqual(rows);
    expect(await tokensOf(admin, a.i3.id)).toEqual([]);
    expect(await tokensOf(root, a.i2.id)).toEqual([t2.info]);
  });

  it('lets a head list the tokens of installations they see, and nothing else', async () => {
    expect(await tokensOf(head1, a.i1.id)).toEqual([t1.info]);
    expectStatus(await head1.get(`/api/installations/${a.i2.id}/agent-tokens`), 404, 'other branch');
    expectStatus(await head1.get(`/api/installations/${a.i3.id}/agent-tokens`), 404, 'dealer top level');
    // Read-only roles see the installation but do not manage its tokens.
    expectStatus(await manager1.get(`/api/installations/${a.i1.id}/agent-tokens`), 403, 'manager');
    expectStatus(await viewer2.get(`/api/installations/${a.i2.id}/agent-tokens`), 403, 'viewer');
    expectStatus(await viewer2.get(`/api/installations/${a.i1.id}/agent-tokens`), 404, 'viewer, hidden');
  });

  it('filters the dealer list by installation in SQL, under the installation rule', async () => {
    const url = (dealerId: number, inst: number | string) =>
      `/api/dealers/${dealerId}/upload-tokens?installationId=${inst}`;
    const one = await admin.get(url(a.dealer.id, a.i2.id));
    expectStatus(one, 200);
    expect(body<TokenRow[]>(one)).toEqual([t2.info]);
    expect(body<TokenRow[]>(await head1.get(url(a.dealer.id, a.i1.id)))).toEqual([t1.info]);
    // Without the filter the list stays for dealer admins.
    expectStatus(await head1.get(`/api/dealers/${a.dealer.id}/upload-tokens`), 403, 'head, whole list');
    expectStatus(await head1.get(url(a.dealer.id, a.i2.id)), 404, 'head, other branch');
    expectStatus(await manager1.get(url(a.dealer.id, a.i1.id)), 403, 'manager');
    // Another dealer, its installation, or a mismatched pair: not found.
    expectStatus(await admin.get(url(a.dealer.id, b.i1.id)), 404, 'B installation under A');
    expectStatus(await admin.get(url(b.dealer.id, b.i1.id)), 404, 'dealer B');
    expectStatus(await bAdmin.get(url(a.dealer.id, a.i1.id)), 404, 'B admin');
    expectStatus(await root.get(url(b.dealer.id, a.i1.id)), 404, 'operator, mismatched dealer');
    expect(body<TokenRow[]>(await root.get(url(b.dealer.id, b.i1.id)))).toEqual([tb.info]);
    const bad = await admin.get(url(a.dealer.id, 'x'));
    expectStatus(bad, 400);
    expect(body<{ message: string }>(bad).message).toContain('querystring.installationId');
  });

  it('gives 404 for another tenant through every token endpoint', async () => {
    for (const c of [bAdmin, bHead]) {
      expectStatus(await c.get(`/api/installations/${a.i1.id}/agent-tokens`), 404, 'list');
      expectStatus(await c.post(`/api/installations/${a.i1.id}/agent-tokens`, {}), 404, 'issue');
      expectStatus(await c.del(`/api/upload-tokens/${t1.info.id}`), 404, 'revoke');
    }
    expectStatus(await admin.get(`/api/installations/${b.i1.id}/agent-tokens`), 404, 'A admin, B list');
    expectStatus(await admin.del(`/api/upload-tokens/${tb.info.id}`), 404, 'A admin, B token');
    expect(await tokensOf(bAdmin, b.i1.id)).toEqual([tb.info]);
    expect((await tokensOf(admin, a.i1.id))[0]?.revokedAt).toBeNull();
  });

  it('lets a head revoke and rotate the tokens of installations they see, only those', async () => {
    expect(await agentAccepted(a, t1.token)).toBe(true);
    // Another branch's installation token does not exist for head1; the dealer-wide one is 403.
    expectStatus(await head1.del(`/api/upload-tokens/${t2.info.id}`), 404, 'other branch');
    expectStatus(await head1.del(`/api/upload-tokens/${dealerWideId}`), 403, 'dealer-wide');
    // Read-only roles: 403 for tokens of installations they see, 404 otherwise.
    expectStatus(await manager1.del(`/api/upload-tokens/${t1.info.id}`), 403, 'manager');
    expectStatus(await viewer2.del(`/api/upload-tokens/${t2.info.id}`), 403, 'viewer');
    expectStatus(await viewer2.del(`/api/upload-tokens/${t1.info.id}`), 404, 'viewer, hidden');
    expect((await tokensOf(admin, a.i2.id))[0]?.revokedAt).toBeNull();

    // Rotation as the UI does it: a new token first, then the old one is revoked.
    const next = await issue(head1, a.i1.id, 'alpha server (new)');
    expectStatus(await head1.del(`/api/upload-tokens/${t1.info.id}`), 204, 'head revokes');
    const after = await tokensOf(head1, a.i1.id);
    expect(after.map((t) => [t.id, t.revokedAt === null])).toEqual([
      [t1.info.id, false],
      [next.info.id, true],
    ]);
    expect(await agentAccepted(a, t1.token)).toBe(false);
    expect(await agentAccepted(a, next.token)).toBe(true);
    const logged = await s.t.ctx.db
      .selectFrom('audit_log')
      .select(['actor', 'details'])
      .where('action', '=', 'revoke')
      .where('entity', '=', 'upload_token')
      .where('entity_id', '=', String(t1.info.id))
      .execute();
    expect(logged).toEqual([
      { actor: a.users.head1.login, details: JSON.stringify({ installationId: a.i1.id }) },
    ]);

    // The dealer admin still revokes any token of the dealer.
    expectStatus(await admin.del(`/api/upload-tokens/${t2.info.id}`), 204, 'admin');
    expect(
      body<TokenRow[]>(await admin.get(`/api/dealers/${a.dealer.id}/upload-tokens`)).find(
        (t) => t.id === dealerWideId,
      )?.revokedAt,
    ).toBeNull();
    expect(await agentAccepted(a, a.uploadToken)).toBe(true);
    expect((await tokensOf(bAdmin, b.i1.id))[0]?.revokedAt).toBeNull();
  });
});
