import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import type { Runtime } from '../runtime.js';
import { audit } from '../tenancy/audit.js';
import { getDealer } from '../tenancy/dealers.js';
import type { Actor } from '../tenancy/scope.js';
import { getUnit } from '../tenancy/units.js';
import {
  actorOfUser,
  authenticate,
  createSession,
  deleteSession,
  userByApiToken,
  userBySession,
  type User,
} from '../tenancy/users.js';
import { TooManyRequestsError, UnauthorizedError } from './errors.js';
import { LoginLimiter } from './login-limiter.js';
import { ErrorBody, UnitOut, UserOut, DealerOut } from './schemas.js';

export const SESSION_COOKIE = 'smart_session';

export interface RequestAuth {
  user: User;
  actor: Actor;
  via: 'session' | 'token';
  /** The session token, to end it on logout. */
  sessionToken: string | null;
}

declare module 'fastify' {
  interface FastifyRequest {
    auth: RequestAuth | null;
  }
}

/** The caller of an authenticated route; the auth hook guarantees it is set. */
export function actorOf(req: FastifyRequest): Actor {
  if (!req.auth) throw new UnauthorizedError();
  return req.auth.actor;
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** onRequest hook: resolves the bearer token or the session cookie to a user, or answers 401. */
export function requireAuth(ctx: AppContext) {
  return async (req: FastifyRequest): Promise<void> => {
    const header = req.headers.authorization;
    if (header !== undefined) {
      const m = BEARER.exec(header);
      if (!m) throw new UnauthorizedError('the Authorization header must be "Bearer <API token>"');
      const user = await userByApiToken(ctx, m[1] as string);
      if (!user) throw new UnauthorizedError('the API token is unknown or revoked');
      req.auth = { user, actor: await actorOfUser(ctx, user), via: 'token', sessionToken: null };
      return;
    }
    const token = req.cookies[SESSION_COOKIE];
    if (!token) throw new UnauthorizedError();
    const user = await userBySession(ctx, token);
    if (!user) throw new UnauthorizedError('the session has expired or ended; log in again');
    req.auth = { user, actor: await actorOfUser(ctx, user), via: 'session', sessionToken: token };
  };
}

const MeOut = z.object({
  user: UserOut,
  role: UserOut.shape.role,
  scope: z.object({
    kind: z.enum(['all', 'dealer', 'unit', 'manager']),
    dealerId: z.number().nullable(),
    unit: UnitOut.nullable(),
    managerId: z.number().nullable(),
  }),
  dealer: DealerOut.nullable(),
  via: z.enum(['session', 'token']),
});
type MeOut = z.input<typeof MeOut>;

async function whoAmI(ctx: AppContext, auth: RequestAuth): Promise<MeOut> {
  const { user, actor } = auth;
  const s = actor.scope;
  return {
    user,
    role: user.role,
    scope: {
      kind: s.kind,
      dealerId: s.kind === 'all' ? null : s.dealerId,
      unit: s.kind === 'unit' ? await getUnit(ctx, actor, s.unitId) : null,
      managerId: s.kind === 'manager' ? s.managerId : null,
    },
    dealer: user.dealerId === null ? null : await getDealer(ctx, actor, user.dealerId),
    via: auth.via,
  };
}

const LoginBody = z.object({
  login: z.string().min(1, 'must not be empty').max(200),
  password: z.string().min(1, 'must not be empty').max(1024),
});

const WRONG = 'wrong login or password';

/** POST /api/login: public; everything else in this file runs behind requireAuth. */
export const loginRoute: FastifyPluginAsyncZod<{ runtime: Runtime; limiter?: LoginLimiter }> = async (
  app,
  { runtime, limiter: given },
) => {
  const { ctx, config } = runtime;
  const limiter = given ?? new LoginLimiter(ctx.clock);
  app.post(
    '/login',
    {
      schema: {
        tags: ['auth'],
        summary: 'Log in with a login and password; sets the smart_session cookie',
        body: LoginBody.strict(),
        response: { 200: MeOut, 400: ErrorBody, 401: ErrorBody, 429: ErrorBody },
      },
    },
    async (req, reply) => {
      const { login, password } = req.body;
      const wait = limiter.retryAfterMs(req.ip, login);
      if (wait > 0) {
        const s = Math.ceil(wait / 1000);
        throw new TooManyRequestsError(`too many failed logins; try again in ${Math.ceil(s / 60)} min`, s);
      }
      const user = await authenticate(ctx, login, password);
      if (!user) {
        limiter.fail(req.ip, login);
        req.log.warn({ login, ip: req.ip }, 'failed login');
        throw new UnauthorizedError(WRONG);
      }
      limiter.succeed(req.ip, login);
      const token = await createSession(ctx, user.id, config.sessionTtlMs);
      const actor = await actorOfUser(ctx, user);
      await audit(ctx.db, ctx.clock, actor, {
        dealerId: user.dealerId,
        action: 'login',
        entity: 'user',
        entityId: user.id,
        details: { ip: req.ip },
      });
      reply.setCookie(SESSION_COOKIE, token, {
        httpOnly: true,
        sameSite: 'lax',
        secure: config.cookieSecure,
        path: '/',
        maxAge: Math.floor(config.sessionTtlMs / 1000),
      });
      return whoAmI(ctx, { user, actor, via: 'session', sessionToken: token });
    },
  );
};

export const sessionRoutes: FastifyPluginAsyncZod<{ runtime: Runtime }> = async (app, { runtime }) => {
  const { ctx } = runtime;
  app.post(
    '/logout',
    {
      schema: {
        tags: ['auth'],
        summary: 'End the current session and clear the cookie',
        response: { 204: z.null(), 401: ErrorBody },
      },
    },
    async (req, reply: FastifyReply) => {
      if (req.auth?.sessionToken) await deleteSession(ctx, req.auth.sessionToken);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.code(204).send(null);
    },
  );
  app.get(
    '/me',
    {
      schema: {
        tags: ['auth'],
        summary: 'The logged-in user, their role, scope and dealer',
        response: { 200: MeOut, 401: ErrorBody },
      },
    },
    async (req) => {
      if (!req.auth) throw new UnauthorizedError();
      return whoAmI(ctx, req.auth);
    },
  );
};
