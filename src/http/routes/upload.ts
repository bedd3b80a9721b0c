import type { Readable } from 'node:stream';
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import {
  acceptReport,
  authenticateUpload,
  hasArrived,
  parseUploadFileName,
  type AcceptResult,
  type ParsedFileName,
} from '../../ingest/accept.js';
import { precheckReport } from '../../ingest/precheck.js';
import type { Ingest } from '../../ingest/service.js';
import { PayloadTooLargeError } from '../../ingest/spool.js';
import { AppError, ValidationError } from '../../lib/errors.js';
import type { Runtime } from '../../runtime.js';

export interface UploadRouteOptions {
  runtime: Runtime;
  ingest: Ingest;
}

const Query = z.object({ token: z.string().max(200).optional() });

/** The token comes as `?token=` (the existing scripts) or as `Authorization: Bearer` (preferred). */
function credentials(req: FastifyRequest) {
  const q = Query.safeParse(req.query);
  const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
  const dealer = req.headers.dealer;
  return {
    dealerCode: (Array.isArray(dealer) ? dealer[0] : dealer)?.trim() ?? '',
    token: bearer ?? (q.success ? (q.data.token ?? '') : ''),
  };
}

/**
 * Drop-in compatible with the smartupload/smartstatus scripts: `POST /upload?token=T` with headers
 * `dealer: D` and `upload: yes`, multipart field `file`; the answer is `{"ok":true,"path":"/files/NAME"}`
 * as text/plain, exactly as the existing service gives it. `HEAD /files/NAME?token=T` tells whether
 * that file has arrived.
 */
export async function uploadRoutes(app: FastifyInstance, opts: UploadRouteOptions): Promise<void> {
  const { runtime, ingest } = opts;
  const ctx = runtime.ctx;
  await app.register(multipart, {
    // One byte over the limit reaches the spool, which refuses the file before anything is recorded
    // (busboy would otherwise just cut the stream at the limit and let a truncated file through).
    limits: { files: 1, fileSize: ingest.maxUploadBytes + 1, fields: 10, parts: 20, fieldSize: 1024 },
    throwFileSizeLimit: true,
    // Keep the name as sent, so a name with a path is refused with a clear 400 instead of silently cut.
    preservePath: true,
  });
  // Any other body type reaches the handler, which explains what the agent must send (not a bare 415).
  app.addContentTypeParser('*', (_req, payload, done) => {
    payload.resume();
    done(null);
  });

  app.post('/upload', { schema: { hide: true } }, async (req: FastifyRequest, reply: FastifyReply) => {
    const auth = await authenticateUpload(ctx, credentials(req));
    if (!req.isMultipart()) {
      throw new ValidationError(
        'send the report as multipart/form-data field "file" (curl -F file=@CLIENT.zip)',
      );
    }
    let file;
    try {
      file = await req.file();
    } catch (e) {
      throw mapMultipartError(e, ingest.maxUploadBytes);
    }
    if (!file || file.fieldname !== 'file') {
      file?.file.resume();
      throw new ValidationError('the multipart body has no field "file" (curl -F file=@CLIENT.zip)');
    }
    let name;
    try {
      name = parseUploadFileName(file.filename);
    } catch (e) {
      file.file.resume();
      throw e;
    }
    const result = await acceptUpload(ctx, ingest, auth, name, file.file, 'agent');
    return reply.type('text/plain; charset=utf-8').send(JSON.stringify({ ok: true, path: result.path }));
  });

  app.get(
    '/files/:name',
    { schema: { hide: true } },
    async (req: FastifyRequest<{ Params: { name: string } }>, reply: FastifyReply) => {
      const auth = await authenticateUpload(ctx, credentials(req));
      const arrived = await hasArrived(ctx, auth.dealerId, req.params.name);
      // Metadata only: an agent credential never reads a stored report back.
      if (!arrived) return reply.code(404).type('text/plain; charset=utf-8').send('Not Found');
      return reply
        .type('text/plain; charset=utf-8')
        .send(JSON.stringify({ ok: true, path: `/files/${req.params.name}` }));
    },
  );
}

/**
 * What the multipart reader throws, as the service's errors: over the limit is 413, a malformed body
 * 400 (naming `field` when the route names its inputs); anything else passes through.
 */
export function mapMultipartError(e: unknown, limit: number, field: string | null = null): unknown {
  if (e instanceof AppError) return e;
  const code = (e as { code?: string }).code;
  if (code === 'FST_REQ_FILE_TOO_LARGE') return new PayloadTooLargeError(limit);
  if (typeof code === 'string' && code.startsWith('FST_')) {
    return new ValidationError(
      `the multipart body could not be read: ${(e as Error).message}`,
      [],
      field === null ? null : [field],
    );
  }
  return e;
}

/**
 * Stores one uploaded report through the spool and wakes the processor. The body is read while it is
 * stored, so a multipart error can surface here too: it is mapped as by mapMultipartError.
 */
export async function acceptUpload(
  ctx: AppContext,
  ingest: Ingest,
  auth: { dealerId: number; installationId: number | null },
  name: ParsedFileName,
  body: Readable,
  via: 'agent' | 'manual',
  field: string | null = null,
): Promise<AcceptResult> {
  let result;
  try {
    result = await acceptReport(ctx, auth, name, body, {
      spool: ingest.spool,
      nodeId: ingest.nodeId,
      maxBytes: ingest.maxUploadBytes,
      via,
      precheck: precheckReport,
    });
  } catch (e) {
    throw mapMultipartError(e, ingest.maxUploadBytes, field);
  }
  ingest.processor.kick();
  return result;
}
