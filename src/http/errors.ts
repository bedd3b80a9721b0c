import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { ZodError } from 'zod';
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

function invalid(details: string[]): ErrorPayload {
  return { error: 'invalid', message: `invalid request: ${details.join('; ')}`, details };
}

/** Limits named in bytes read better in the unit people configure them in. */
function bytesText(n: number): string {
  if (n >= 1024 * 1024) return `${+(n / 1024 / 1024).toFixed(1)} MiB`;
  if (n >= 1024) return `${+(n / 1024).toFixed(1)} KiB`;
  return `${n} bytes`;
}

function toPayload(err: FastifyError | Error, req: FastifyRequest): { status: number; body: ErrorPayload } {
  if (hasZodFastifySchemaValidationErrors(err)) {
    const where = err.validationContext ?? 'request';
    const details = err.validation.map((v) =>
      issueText(where, v.instancePath.split('/').filter(Boolean), v.message ?? 'is invalid'),
    );
    return { status: 400, body: invalid(details) };
  }
  // Repositories validate their input again; their zod errors name the field inside the body.
  if (err instanceof ZodError) {
    return { status: 400, body: invalid(err.issues.map((i) => issueText('body', i.path, i.message))) };
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
