import { z } from 'zod';
import type { AppContext } from '../context.js';
import { withTx } from '../db/tx.js';
import type { UserRow } from '../db/schema.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../lib/errors.js';
import { hashPassword, hashToken, newToken, verifyPassword } from '../lib/secrets.js';
import { audit } from './audit.js';
import { getDealer } from './dealers.js';
import { getManager } from './managers.js';
import {
  grantableRoles,
  requireWrite,
  ROLES,
  userVisible,
  type Actor,
  type Role,
  type Scope,
} from './scope.js';
import { unitForWrite } from './units.js';

export const Login = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9][a-z0-9._@-]{1,63}$/, 'use 2–64 Latin letters, digits, ".", "_", "@" or "-"');

export const Password = z.string().min(8, 'must be at least 8 characters').max(1024);

export const UserInput = z.object({
  dealerId: z.number().int().positive().nullable(),
  unitId: z.number().int().positive().nullable().optional(),
  managerId: z.number().int().positive().nullable().optional(),
  login: Login,
  displayName: z.string().trim().max(200).default(''),
  password: Password,
  role: z.enum(ROLES),
});
export type UserInput = z.input<typeof UserInput>;

export const UserPatch = z.object({
  unitId: z.number().int().positive().nullable().optional(),
  managerId: z.number().int().positive().nullable().optional(),
  displayName: z.string().trim().max(200).optional(),
  password: Password.optional(),
  role: z.enum(ROLES).optional(),
  disabled: z.boolean().optional(),
});
export type UserPatch = z.input<typeof UserPatch>;

export interface User {
  id: number;
  dealerId: number | null;
  unitId: number | null;
  managerId: number | null;
  login: string;
  displayName: string;
  role: Role;
  disabled: boolean;
}

function toUser(r: UserRow): User {
  return {
    id: r.id,
    dealerId: r.dealer_id,
    unitId: r.unit_id,
    managerId: r.manager_id,
    login: r.login,
    displayName: r.display_name,
    role: r.role as Role,
    disabled: r.disabled === 1,
  };
}

/** The scope a user's role and place in the org tree give them. */
export async function scopeOfUser(ctx: AppContext, user: User): Promise<Scope> {
  if (user.role === 'operator') return { kind: 'all' };
  if (user.dealerId === null) throw new Error(`user ${user.login} has no dealer`);
  const dealerId = user.dealerId;
  if (user.role === 'manager') {
    // A manager user without a manager record sees nothing: id 0 matches no row.
    return { kind: 'manager', dealerId, managerId: user.managerId ?? 0 };
  }
  if ((user.role === 'head' || user.role === 'viewer') && user.unitId !== null) {
    const unit = await ctx.db
      .selectFrom('org_units')
      .select(['id', 'path'])
      .where('id', '=', user.unitId)
      .executeTakeFirstOrThrow();
    return { kind: 'unit', dealerId, unitId: unit.id, unitPath: unit.path };
  }
  return { kind: 'dealer', dealerId };
}

export async function actorOfUser(ctx: AppContext, user: User): Promise<Actor> {
  return { userId: user.id, login: user.login, role: user.role, scope: await scopeOfUser(ctx, user) };
}

/** Users visible to the actor. Managers and viewers see only themselves. */
function visibleUsers(ctx: AppContext, actor: Actor) {
  let q = ctx.db.selectFrom('users').selectAll();
  if (actor.role === 'manager' || actor.role === 'viewer') q = q.where('id', '=', actor.userId ?? 0);
  else q = q.where(userVisible(actor.scope, 'users.id'));
  return q;
}

export async function getUser(ctx: AppContext, actor: Actor, id: number): Promise<User> {
  const row = await visibleUsers(ctx, actor).where('id', '=', id).executeTakeFirst();
  if (!row) throw new NotFoundError('user');
  return toUser(row);
}

export async function listUsers(ctx: AppContext, actor: Actor, dealerId?: number): Promise<User[]> {
  let q = visibleUsers(ctx, actor);
  if (dealerId !== undefined) q = q.where('dealer_id', '=', dealerId);
  return (await q.orderBy('login').execute()).map(toUser);
}

function checkGrant(actor: Actor, role: Role): void {
  if (!grantableRoles(actor).includes(role))
    throw new ForbiddenError(`role ${actor.role} may not grant ${role}`);
}

export async function createUser(
  ctx: AppContext,
  actor: Actor,
  input: UserInput,
  options: { allowWeakPassword?: boolean } = {},
): Promise<User> {
  requireWrite(actor);
  const schema = options.allowWeakPassword ? UserInput.extend({ password: z.string().min(1) }) : UserInput;
  const data = schema.parse(input);
  checkGrant(actor, data.role);
  if (data.role === 'operator' && data.dealerId !== null) {
    throw ValidationError.about('dealerId', 'an operator belongs to no dealer; leave it out');
  }
  if (data.role !== 'operator' && data.dealerId === null)
    throw ValidationError.about('dealerId', `role ${data.role} needs a dealer`);
  if (data.role === 'manager' && !data.managerId) {
    throw ValidationError.about('managerId', 'a user with role manager must be linked to a manager record');
  }
  const passwordHash = await hashPassword(data.password);
  return withTx(ctx, async (db) => {
    const t = { ...ctx, db };
    let unitId: number | null = null;
    let managerId: number | null = null;
    if (data.dealerId !== null) {
      await getDealer(t, actor, data.dealerId);
      unitId = await unitForWrite(t, actor, data.dealerId, data.unitId);
      if (data.managerId) {
        const m = await getManager(t, actor, data.managerId);
        if (m.dealerId !== data.dealerId) throw new NotFoundError('manager');
        managerId = m.id;
      }
    }
    const dup = await db.selectFrom('users').select('id').where('login', '=', data.login).executeTakeFirst();
    if (dup) throw new ConflictError(`login ${data.login} is taken`);
    const now = ctx.clock.now();
    const row = await db
      .insertInto('users')
      .values({
        dealer_id: data.dealerId,
        unit_id: unitId,
        manager_id: managerId,
        login: data.login,
        display_name: data.displayName,
        password_hash: passwordHash,
        role: data.role,
        disabled: 0,
        created_at: now,
        updated_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await audit(db, ctx.clock, actor, {
      dealerId: data.dealerId,
      action: 'create',
      entity: 'user',
      entityId: row.id,
      details: { login: data.login, role: data.role, unitId, managerId },
    });
    return toUser(row);
  });
}

export async function updateUser(ctx: AppContext, actor: Actor, id: number, patch: UserPatch): Promise<User> {
  requireWrite(actor);
  const data = UserPatch.parse(patch);
  const before = await getUser(ctx, actor, id);
  checkGrant(actor, before.role);
  if (data.role) checkGrant(actor, data.role);
  if (actor.userId === id && (data.role || data.disabled)) {
    throw new ValidationError('you cannot change your own role or disable yourself');
  }
  const passwordHash = data.password ? await hashPassword(data.password) : undefined;
  return withTx(ctx, async (db) => {
    const t = { ...ctx, db };
    let unitId = before.unitId;
    let managerId = before.managerId;
    if (before.dealerId !== null) {
      if (data.unitId !== undefined) unitId = await unitForWrite(t, actor, before.dealerId, data.unitId);
      if (data.managerId !== undefined) {
        managerId = data.managerId === null ? null : (await getManager(t, actor, data.managerId)).id;
      }
    }
    const role = data.role ?? before.role;
    if (role === 'manager' && !managerId)
      throw ValidationError.about('managerId', 'a manager user must be linked to a manager');
    const row = await db
      .updateTable('users')
      .set({
        unit_id: unitId,
        manager_id: managerId,
        display_name: data.displayName ?? before.displayName,
        role,
        disabled: data.disabled === undefined ? Number(before.disabled) : Number(data.disabled),
        ...(passwordHash ? { password_hash: passwordHash } : {}),
        updated_at: ctx.clock.now(),
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    if (passwordHash || data.disabled) await db.deleteFrom('sessions').where('user_id', '=', id).execute();
    const { password: _pw, ...changed } = data;
    await audit(db, ctx.clock, actor, {
      dealerId: before.dealerId,
      action: 'update',
      entity: 'user',
      entityId: id,
      details: { ...changed, ...(passwordHash ? { password: 'changed' } : {}) },
    });
    return toUser(row);
  });
}

export async function deleteUser(ctx: AppContext, actor: Actor, id: number): Promise<void> {
  requireWrite(actor);
  const before = await getUser(ctx, actor, id);
  checkGrant(actor, before.role);
  if (actor.userId === id) throw new ValidationError('you cannot delete yourself');
  await withTx(ctx, async (db) => {
    await db.deleteFrom('users').where('id', '=', id).execute();
    await audit(db, ctx.clock, actor, {
      dealerId: before.dealerId,
      action: 'delete',
      entity: 'user',
      entityId: id,
    });
  });
}

// ---- authentication ----------------------------------------------------------------------------

// Verifying against a fixed hash when the login is unknown keeps the answer time the same.
let dummyHash: Promise<string> | undefined;

export async function authenticate(ctx: AppContext, login: string, password: string): Promise<User | null> {
  const row = await ctx.db
    .selectFrom('users')
    .selectAll()
    .where('login', '=', login.trim().toLowerCase())
    .executeTakeFirst();
  if (!row) {
    dummyHash ??= hashPassword('not a password');
    await verifyPassword(password, await dummyHash);
    return null;
  }
  const ok = await verifyPassword(password, row.password_hash);
  if (!ok || row.disabled === 1) return null;
  return toUser(row);
}

export async function createSession(ctx: AppContext, userId: number, ttlMs: number): Promise<string> {
  const token = newToken('sms');
  const now = ctx.clock.now();
  await ctx.db
    .insertInto('sessions')
    .values({ token_hash: hashToken(token), user_id: userId, created_at: now, expires_at: now + ttlMs })
    .execute();
  return token;
}

export async function deleteSession(ctx: AppContext, token: string): Promise<void> {
  await ctx.db.deleteFrom('sessions').where('token_hash', '=', hashToken(token)).execute();
}

async function activeUser(ctx: AppContext, userId: number): Promise<User | null> {
  const row = await ctx.db
    .selectFrom('users')
    .selectAll()
    .where('id', '=', userId)
    .where('disabled', '=', 0)
    .executeTakeFirst();
  return row ? toUser(row) : null;
}

export async function userBySession(ctx: AppContext, token: string): Promise<User | null> {
  const s = await ctx.db
    .selectFrom('sessions')
    .select(['user_id', 'expires_at'])
    .where('token_hash', '=', hashToken(token))
    .executeTakeFirst();
  if (!s || s.expires_at <= ctx.clock.now()) return null;
  return activeUser(ctx, s.user_id);
}

export interface ApiTokenInfo {
  id: number;
  label: string;
  prefix: string;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

/** An API token acts as its user, with the user's scope; shown once, stored hashed. */
export async function createApiToken(
  ctx: AppContext,
  actor: Actor,
  label: string,
): Promise<{ info: ApiTokenInfo; token: string }> {
  if (actor.userId === null) throw new ValidationError('API tokens belong to a user; log in as one');
  const token = newToken('smt');
  const now = ctx.clock.now();
  const row = await ctx.db
    .insertInto('api_tokens')
    .values({
      user_id: actor.userId,
      label: label.trim() || 'token',
      prefix: token.slice(0, 8),
      token_hash: hashToken(token),
      created_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  const info = {
    id: row.id,
    label: row.label,
    prefix: row.prefix,
    createdAt: now,
    lastUsedAt: null,
    revokedAt: null,
  };
  return { info, token };
}

export async function listApiTokens(ctx: AppContext, actor: Actor): Promise<ApiTokenInfo[]> {
  const rows = await ctx.db
    .selectFrom('api_tokens')
    .selectAll()
    .where('user_id', '=', actor.userId ?? 0)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    label: r.label,
    prefix: r.prefix,
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
    revokedAt: r.revoked_at,
  }));
}

export async function revokeApiToken(ctx: AppContext, actor: Actor, id: number): Promise<void> {
  const res = await ctx.db
    .updateTable('api_tokens')
    .set({ revoked_at: ctx.clock.now() })
    .where('id', '=', id)
    .where('user_id', '=', actor.userId ?? 0)
    .executeTakeFirst();
  if (Number(res.numUpdatedRows) === 0) throw new NotFoundError('API token');
}

export async function userByApiToken(ctx: AppContext, token: string): Promise<User | null> {
  const t = await ctx.db
    .selectFrom('api_tokens')
    .select(['id', 'user_id'])
    .where('token_hash', '=', hashToken(token))
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (!t) return null;
  await ctx.db
    .updateTable('api_tokens')
    .set({ last_used_at: ctx.clock.now() })
    .where('id', '=', t.id)
    .execute();
  return activeUser(ctx, t.user_id);
}
