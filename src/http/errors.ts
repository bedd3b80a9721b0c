import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { ZodError, ZodType } from 'zod';
import { AppError, ValidationError } from '../lib/errors.js';

export class UnauthorizedError extends AppError {
  constructor(message = 'log in first: send the smart_session cookie or an Authorization: Bearer API token') {
    super(message, 401, 'unauthorized');
  }
}

export class TooManyRequestsError extends AppError {
  constructor(
    message: string,
    readonly retryAfterS: number,
  ) {
    super(message, 429, 'too_many_requests');
  }
}

export interface ErrorPayload {
  error: string;
  message: string;
  details?: string[];
}

/** `body.managers.0.email: Invalid email address`: where, then what. */
function issueText(where: string, path: readonly PropertyKey[], message: string): string {
  const field = [where, ...path.map(String)].filter(Boolean).join('.');
  return field ? `${field}: ${message}` : message;
}

/** What a zod issue carries, whether it came as a ZodError or through fastify's validation list. */
interface IssueLike {
  path: readonly PropertyKey[];
  code?: string;
  message: string;
  keys?: readonly string[];
  errors?: readonly (readonly IssueLike[])[];
}

/** A union's alternatives that failed only on the type: "expected number, received boolean". */
function typeMismatch(branch: readonly IssueLike[]): string | null {
  const only = branch.length === 1 ? branch[0] : undefined;
  if (!only || only.code !== 'invalid_type' || only.path.length) return null;
  return /expected (\w+)/.exec(only.message)?.[1] ?? null;
}

/**
 * One line per field. Zod reports an unknown key at the object holding it and a failed union as
 * "Invalid input"; both are spelled out so that the line names the field and what is wrong with it.
 */
function issueTexts(where: string, issue: IssueLike): string[] {
  if (issue.code === 'unrecognized_keys' && issue.keys?.length) {
    return issue.keys.map((k) => issueText(where, [...issue.path, k], 'unknown field'));
  }
  if (issue.code === 'invalid_union' && issue.errors?.length) {
    const types = issue.errors.map(typeMismatch);
    if (types.every((t) => t !== null)) {
      const received = /received (\w+)/.exec(issue.errors[0]?.[0]?.message ?? '')?.[1];
      const what = `expected ${[...new Set(types)].join(' or ')}${received ? `, received ${received}` : ''}`;
      return [issueText(where, issue.path, `Invalid input: ${what}`)];
    }
    // The value had the right type for one alternative: its own complaints are the useful ones.
    const matched = issue.errors.filter((_, i) => types[i] === null);
    if (matched.length === 1) {
      return (matched[0] ?? []).flatMap((i) => issueTexts(where, { ...i, path: [...issue.path, ...i.path] }));
    }
  }
  return [issueText(where, issue.path, issue.message)];
}

function invalid(details: string[]): ErrorPayload {
  return { error: 'invalid', message: `invalid request: ${details.join('; ')}`, details };
}

/** Limits named in bytes read better in the unit people configure them in. */
function bytesText(n: number): string {
  if (n >= 1024 * 1024) return `${+(n / 1024 / 1024).toFixed(1)} MiB`;
  if (n >= 1024) return `${+(n / 1024).toFixed(1)} KiB`;
  return `${n} bytes`;
}

/** The zod definition fields `hasField` looks through (the same in every zod 4 schema). */
interface SchemaDef {
  type: string;
  shape?: Record<string, unknown>;
  innerType?: unknown;
  in?: unknown;
  options?: readonly unknown[];
  left?: unknown;
  right?: unknown;
}

/** Whether a route's zod schema has a top-level field `key` (through optional, pipes, unions...). */
function hasField(schema: unknown, key: string, depth = 0): boolean {
  if (!(schema instanceof ZodType) || depth > 10) return false;
  const def = schema._zod.def as SchemaDef;
  const inner = (s: unknown) => hasField(s, key, depth + 1);
  if (def.type === 'object') return Object.hasOwn(def.shape ?? {}, key);
  if (def.type === 'pipe') return inner(def.in);
  if (def.type === 'union') return (def.options ?? []).some(inner);
  if (def.type === 'intersection') return inner(def.left) || inner(def.right);
  return def.innerType !== undefined && inner(def.innerType);
}

const PARTS = ['body', 'querystring', 'params'] as const;

/**
 * Where the request carried the input field a service complains about: the part of the route's
 * schema that has it; otherwise the body (or the query string of a request without a body schema).
 */
function whereIs(req: FastifyRequest, head: PropertyKey | undefined): string {
  const schema = (req.routeOptions.schema ?? {}) as Partial<Record<(typeof PARTS)[number], unknown>>;
  if (typeof head === 'string') {
    const part = PARTS.find((p) => hasField(schema[p], head));
    if (part) return part;
  }
  return schema.body === undefined && schema.querystring !== undefined ? 'querystring' : 'body';
}

function toPayload(err: FastifyError | Error, req: FastifyRequest): { status: number; body: ErrorPayload } {
  if (hasZodFastifySchemaValidationErrors(err)) {
    const where = err.validationContext ?? 'request';
    const details = err.validation.flatMap((v) => {
      const params = v.params as Partial<IssueLike>;
      return issueTexts(where, {
        path: v.instancePath.split('/').filter(Boolean),
        code: v.keyword,
        message: v.message ?? 'is invalid',
        keys: params.keys,
        errors: params.errors,
      });
    });
    return { status: 400, body: invalid(details) };
  }
  // Services validate their input again; their zod errors name the field inside their input, which
  // the route took from the body, the query string or the path.
  if (err instanceof ZodError) {
    return {
      status: 400,
      body: invalid(err.issues.flatMap((i) => issueTexts(whereIs(req, i.path[0]), i as IssueLike))),
    };
  }
  if (err instanceof ValidationError && err.field) {
    return { status: 400, body: invalid([issueText(whereIs(req, err.field[0]), err.field, err.reason)]) };
  }
  if (err instanceof ValidationError) {
    const body: ErrorPayload = { error: err.code, message: err.message };
    if (err.details.length) body.details = err.details;
    return { status: err.status, body };
  }
  if (err instanceof AppError) return { status: err.status, body: { error: err.code, message: err.message } };
  const fe = err as FastifyError;
  if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || fe.code === 'FST_REQ_FILE_TOO_LARGE') {
    const limit = req.routeOptions.bodyLimit;
    return {
      status: 413,
      body: {
        error: 'too_large',
        message: `the request body is larger than the limit of ${bytesText(limit)} for ${req.method} ${req.routeOptions.url}`,
      },
    };
  }
  if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return {
      status: 415,
      body: {
        error: 'unsupported_media_type',
        message: `content type ${req.headers['content-type']} is not accepted here`,
      },
    };
  }
  // Other client errors from Fastify and its plugins (bad JSON, empty body, ...) carry a safe message.
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return { status: fe.statusCode, body: { error: 'bad_request', message: fe.message } };
  }
  return {
    status: 500,
    body: { error: 'internal', message: 'internal server error; the details are in the server log' },
  };
}

export interface ErrorHandlerOptions {
  /** Tried first for unknown routes (the web app's SPA fallback); true when it answered. */
  notFoundFallback?: (req: FastifyRequest, reply: FastifyReply) => Promise<boolean>;
}

export function installErrorHandlers(app: FastifyInstance, opts: ErrorHandlerOptions = {}): void {
  app.setErrorHandler((err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    const { status, body } = toPayload(err, req);
    if (status >= 500) req.log.error({ err }, 'request failed');
    else req.log.info({ status, error: body.error }, body.message);
    if (err instanceof TooManyRequestsError) reply.header('retry-after', String(err.retryAfterS));
    return reply.code(status).type('application/json; charset=utf-8').send(body);
  });
  app.setNotFoundHandler(async (req, reply) => {
    if (opts.notFoundFallback && (await opts.notFoundFallback(req, reply))) return reply;
    return reply
      .code(404)
      .send({ error: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}` });
  });
}
