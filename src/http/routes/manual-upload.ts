import multipart from '@fastify/multipart';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ParsedFileName } from '../../ingest/accept.js';
import type { Ingest } from '../../ingest/service.js';
import { getInstallation } from '../../inventory/installations.js';
import { ValidationError } from '../../lib/errors.js';
import type { Runtime } from '../../runtime.js';
import { requireWrite } from '../../tenancy/scope.js';
import { actorOf } from '../auth.js';
import { ErrorBody, IdParams, writeErrors } from '../schemas.js';
import { acceptUpload, mapMultipartError } from './upload.js';

export interface ManualUploadRouteOptions {
  runtime: Runtime;
  ingest: Ingest;
}

const KINDS: Record<string, Pick<ParsedFileName, 'format' | 'channel'>> = {
  zip: { format: 'zip', channel: 'sysinfo' },
  xml: { format: 'xml', channel: 'sysinfo' },
  status: { format: 'status', channel: 'status' },
};

const ManualUploadOut = z.object({
  reportId: z.number(),
  /** The name the report is kept under: the installation's agent name and the file's extension. */
  fileName: z.string(),
  /** The same content was already stored; nothing new was recorded. */
  duplicate: z.boolean(),
});

/**
 * «Загрузить файл отчёта»: a report carried in from a closed contour (the Node agent's output folder),
 * uploaded by a signed-in user for an installation they may edit. The installation is chosen on the
 * page, so the file's own name may carry a timestamp; only its extension matters.
 */
export const manualUploadRoutes: FastifyPluginAsyncZod<ManualUploadRouteOptions> = async (
  app,
  { runtime: { ctx }, ingest },
) => {
  await app.register(multipart, {
    limits: { files: 1, fileSize: ingest.maxUploadBytes + 1, fields: 5, parts: 10, fieldSize: 1024 },
    throwFileSizeLimit: true,
    preservePath: true,
  });

  app.post(
    '/installations/:id/reports',
    {
      schema: {
        tags: ['ingestion'],
        summary:
          'Upload a report file (.zip, .xml or .status, multipart field "file") for this installation, e.g. from a closed contour',
        consumes: ['multipart/form-data'],
        params: IdParams,
        response: { 200: ManualUploadOut, 201: ManualUploadOut, ...writeErrors, 413: ErrorBody },
      },
    },
    async (req, reply) => {
      const actor = actorOf(req);
      // Visibility first: another tenant's installation is 404 whatever the caller's role.
      const inst = await getInstallation(ctx, actor, req.params.id);
      requireWrite(actor);
      if (!req.isMultipart()) {
        throw ValidationError.about('file', 'send the report as multipart/form-data field "file"');
      }
      let file;
      try {
        file = await req.file();
      } catch (e) {
        throw mapMultipartError(e, ingest.maxUploadBytes, 'file');
      }
      if (!file || file.fieldname !== 'file') {
        file?.file.resume();
        throw ValidationError.about('file', 'the multipart body has no field "file"');
      }
      const ext = /\.(zip|xml|status)$/i.exec(file.filename)?.[1]?.toLowerCase();
      const kind = ext === undefined ? undefined : KINDS[ext];
      if (ext === undefined || kind === undefined) {
        file.file.resume();
        throw ValidationError.about(
          'file',
          `"${file.filename.slice(0, 200)}" is not a report file: expected .zip, .xml or .status`,
        );
      }
      const name: ParsedFileName = {
        fileName: `${inst.sourceKey}.${ext}`,
        sourceName: inst.sourceKey,
        ...kind,
      };
      const auth = { dealerId: inst.dealerId, installationId: inst.id };
      const result = await acceptUpload(ctx, ingest, auth, name, file.file, 'manual', 'file');
      return reply
        .code(result.duplicate ? 200 : 201)
        .send({ reportId: result.reportId, fileName: name.fileName, duplicate: result.duplicate });
    },
  );
};
