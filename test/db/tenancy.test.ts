import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, openDatabase } from '../../src/db/database.js';
import { dbKindOf } from '../../src/db/database.js';
import { createClient, getClient, updateClient } from '../../src/inventory/clients.js';
import {
  createInstallation,
  smartloginPassword,
  updateInstallation,
} from '../../src/inventory/installations.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../src/lib/errors.js';
import {
  createUploadToken,
  listUploadTokens,
  revokeUploadToken,
  verifyUploadToken,
} from '../../src/tenancy/dealers.js';
import { createManager } from '../../src/tenancy/managers.js';
import { cliActor } from '../../src/tenancy/scope.js';
import { createUnit, deleteUnit, resolveUnitRef } from '../../src/tenancy/units.js';
import {
  authenticate,
  createApiToken,
  createSession,
  createUser,
  updateUser,
  userByApiToken,
  userBySession,
} from '../../src/tenancy/users.js';
import { DB_KINDS, openTestContext, type TestContext } from '../helpers/db.js';
import { buildDealerWorld, TEST_PASSWORD, type DealerWorld } from '../helpers/tenants.js';

describe.each(DB_KINDS)('tenancy and secrets (%s)', (kind) => {
  let t: TestContext;
  let a: DealerWorld;
  let b: DealerWorld;
  const op = cliActor('test');
  beforeAll(async () => {
    t = await openTestContext(kind);
    a = await buildDealerWorld(t.ctx, 'deala');
    b = await buildDealerWorld(t.ctx, 'dealb');
  });
  afterAll(() => t.close());

  it('migrations are idempotent: running them again applies nothing', async () => {
    const h = openDatabase(t.url);
    expect(h.kind).toBe(dbKindOf(t.url));
    expect(await migrate(h)).toEqual([]);
    await h.close();
  });

  it('stores smartlogin passwords encrypted and gives them back only through the service', async () => {
    const raw = await t.ctx.db
      .selectFrom('installations')
      .select('smartlogin_password_enc')
      .where('id', '=', a.i2.id)
      .executeTakeFirstOrThrow();
    expect(raw.smartlogin_password_enc).not.toContain('sm-secret-pw');
    expect(raw.smartlogin_password_enc?.startsWith('v1:')).toBe(true);
    expect(await smartloginPassword(t.ctx, a.actors.admin, a.i2.id)).toBe('sm-secret-pw');
    await expect(smartloginPassword(t.ctx, b.actors.admin, a.i2.id)).rejects.toBeInstanceOf(NotFoundError);
    expect(JSON.stringify(a.i2)).not.toContain('sm-secret-pw');
    expect(a.i2.smartloginPasswordSet).toBe(true);
  });

  it('stores online passwords encrypted', async () => {
    const raw = await t.ctx.db.selectFrom('online_accesses').select('password_enc').execute();
    for (const r of raw) expect(r.password_enc).not.toMatch(/online-secret/);
  });

  it('shows upload tokens once, stores them hashed, verifies and revokes them', async () => {
    const rows = await t.ctx.db
      .selectFrom('upload_tokens')
      .selectAll()
      .where('dealer_id', '=', a.dealer.id)
      .execute();
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(a.uploadToken);
    expect(rows[0]?.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(await verifyUploadToken(t.ctx, 'deala', a.uploadToken)).toEqual({
      dealerId: a.dealer.id,
      installationId: null,
    });
    expect(await verifyUploadToken(t.ctx, 'dealb', a.uploadToken)).toBeNull(); // token of another dealer
    expect(await verifyUploadToken(t.ctx, 'deala', a.uploadToken + 'x')).toBeNull();
    const second = await createUploadToken(t.ctx, a.actors.admin, a.dealer.id, 'rotation');
    expect(second.token).not.toBe(a.uploadToken);
    expect((await listUploadTokens(t.ctx, a.actors.admin, a.dealer.id)).map((x) => x.label)).toEqual([
      'initial',
      'rotation',
    ]);
    await revokeUploadToken(t.ctx, a.actors.admin, second.info.id);
    expect(await verifyUploadToken(t.ctx, 'deala', second.token)).toBeNull();
    expect(await verifyUploadToken(t.ctx, 'deala', a.uploadToken)).not.toBeNull(); // the old one still works
    await expect(createUploadToken(t.ctx, a.actors.head1, a.dealer.id, 'x')).rejects.toBeInstanceOf(
      ForbiddenError,
    );
    await expect(revokeUploadToken(t.ctx, b.actors.admin, second.info.id)).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });

  it('hashes passwords with scrypt; sessions and API tokens are stored hashed', async () => {
    const u = await t.ctx.db
      .selectFrom('users')
      .selectAll()
      .where('id', '=', a.users.admin.id)
      .executeTakeFirstOrThrow();
    expect(u.password_hash).toMatch(/^scrypt\$/);
    expect(u.password_hash).not.toContain(TEST_PASSWORD);
    expect((await authenticate(t.ctx, 'ADMIN.deala', TEST_PASSWORD))?.id).toBe(a.users.admin.id);
    expect(await authenticate(t.ctx, 'admin.deala', 'wrong password')).toBeNull();
    expect(await authenticate(t.ctx, 'nobody', TEST_PASSWORD)).toBeNull();
    const session = await createSession(t.ctx, a.users.admin.id, 3600_000);
    const api = await createApiToken(t.ctx, a.actors.admin, 'ci');
    const stored = JSON.stringify([
      await t.ctx.db.selectFrom('sessions').selectAll().execute(),
      await t.ctx.db.selectFrom('api_tokens').selectAll().execute(),
    ]);
    expect(stored).not.toContain(session);
    expect(stored).not.toContain(api.token);
    expect((await userBySession(t.ctx, session))?.id).toBe(a.users.admin.id);
    expect((await userByApiToken(t.ctx, api.token))?.id).toBe(a.users.admin.id);
    t.clock.advance(3600_001);
    expect(await userBySession(t.ctx, session)).toBeNull(); // expired
  });

  it('a disabled user cannot log in and loses their sessions', async () => {
    const u = await createUser(t.ctx, op, {
      dealerId: a.dealer.id,
      login: 'leaver.deala',
      password: TEST_PASSWORD,
      role: 'viewer',
    });
    const s = await createSession(t.ctx, u.id, 3600_000);
    await updateUser(t.ctx, a.actors.admin, u.id, { disabled: true });
    expect(await userBySession(t.ctx, s)).toBeNull();
    expect(await authenticate(t.ctx, 'leaver.deala', TEST_PASSWORD)).toBeNull();
  });

  it('roles: nobody grants a role above their own; managers and viewers change nothing', async () => {
    await expect(
      createUser(t.ctx, a.actors.head1, {
        dealerId: a.dealer.id,
        login: 'x1',
        password: TEST_PASSWORD,
        role: 'dealer-admin',
      }),
    ).rejects.toBeInstanceOf(ForbiddenError);
    await expect(
      createUser(t.ctx, a.actors.admin, {
        dealerId: null,
        login: 'x2',
        password: TEST_PASSWORD,
        role: 'operator',
      }),
    ).rejects.toBeInstanceOf(ForbiddenError);
    await expect(
      createClient(t.ctx, a.actors.manager1, { dealerId: a.dealer.id, shortName: 'nope' }),
    ).rejects.toBeInstanceOf(ForbiddenError);
    await expect(updateClient(t.ctx, a.actors.viewer2, a.c2.id, { legalName: 'x' })).rejects.toBeInstanceOf(
      ForbiddenError,
    );
    await expect(
      createUser(t.ctx, op, {
        dealerId: a.dealer.id,
        login: 'm.nolink',
        password: TEST_PASSWORD,
        role: 'manager',
      }),
    ).rejects.toBeInstanceOf(ValidationError);
    await expect(
      createUser(t.ctx, op, {
        dealerId: a.dealer.id,
        login: 'admin.deala',
        password: TEST_PASSWORD,
        role: 'viewer',
      }),
    ).rejects.toBeInstanceOf(ConflictError);
    await expect(
      createUser(t.ctx, op, { dealerId: a.dealer.id, login: 'short.pw', password: 'abc', role: 'viewer' }),
    ).rejects.toThrow(/at least 8/);
  });

  it('a head creates inside their subtree only; what they create lands in their unit', async () => {
    const c = await createClient(t.ctx, a.actors.head1, { dealerId: a.dealer.id, shortName: 'headmade' });
    expect(c.unitId).toBe(a.branch1.id);
    await expect(
      createClient(t.ctx, a.actors.head1, { dealerId: a.dealer.id, unitId: a.branch2.id, shortName: 'x' }),
    ).rejects.toBeInstanceOf(NotFoundError);
    await expect(
      createUnit(t.ctx, a.actors.head1, { dealerId: a.dealer.id, name: 'Top' }),
    ).rejects.toBeInstanceOf(NotFoundError);
    const sub = await createUnit(t.ctx, a.actors.head1, {
      dealerId: a.dealer.id,
      parentId: a.branch1.id,
      name: 'Sub',
    });
    expect(sub.path).toBe(`${a.branch1.path}${sub.id}/`);
    expect((await resolveUnitRef(t.ctx, op, a.dealer.id, 'Branch 1/Sub')).id).toBe(sub.id);
    await expect(resolveUnitRef(t.ctx, a.actors.head1, a.dealer.id, 'Branch 2')).rejects.toBeInstanceOf(
      NotFoundError,
    );
    await expect(
      createManager(t.ctx, a.actors.head1, { dealerId: b.dealer.id, name: 'X' }),
    ).rejects.toBeInstanceOf(NotFoundError);
    await expect(deleteUnit(t.ctx, a.actors.admin, a.branch1.id)).rejects.toBeInstanceOf(ConflictError);
    await deleteUnit(t.ctx, a.actors.head1, sub.id);
  });

  it('a polled installation takes the default port of its protocol; names are checked', async () => {
    const c = await createClient(t.ctx, op, { dealerId: a.dealer.id, shortName: 'portcheck' });
    const i = await createInstallation(t.ctx, op, {
      clientId: c.id,
      kind: 'polled',
      address: 'pc.example.ru',
      protocol: 'https',
    });
    expect(i.sourceKey).toBe('pc.example.ru:443');
    const moved = await updateInstallation(t.ctx, op, i.id, { port: 8443 });
    expect(moved.sourceKey).toBe('pc.example.ru:8443');
    await expect(
      createInstallation(t.ctx, op, { clientId: c.id, kind: 'agent', sourceName: 'bad name' }),
    ).rejects.toThrow(/forbidden character space/);
    await expect(
      createInstallation(t.ctx, op, { clientId: c.id, kind: 'polled', address: 'pc.example.ru', port: 8443 }),
    ).rejects.toBeInstanceOf(ConflictError);
    await expect(getClient(t.ctx, b.actors.admin, c.id)).rejects.toBeInstanceOf(NotFoundError);
  });
});
