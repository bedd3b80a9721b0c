import multipart from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { exportManagersCsv, exportOnlineCsv } from '../../inventory/csv/export.js';
import { importManagersCsv, importOnlineCsv } from '../../inventory/csv/import.js';
import { formatIssue, type ImportIssue, type ImportResult } from '../../inventory/csv/types.js';
import { NotFoundError, ValidationError } from '../../lib/errors.js';
import { getDealer, getDealerByCode, type Dealer } from '../../tenancy/dealers.js';
import { requireDealerAdmin, scopeDealerId, type Actor } from '../../tenancy/scope.js';
import { resolveUnitRef } from '../../tenancy/units.js';
import { actorOf } from '../auth.js';
import { ErrorBody, ImportResultOut, QueryBool, writeErrors } from '../schemas.js';
import type { RouteOptions } from './common.js';

const tags = ['import/export'];
const RAW_TYPES = ['text/csv', 'text/plain', 'application/octet-stream'];

const DealerRef = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .optional()
  .describe("dealer code or numeric id; defaults to the caller's dealer");

/** A dealer named by code or id, within the caller's scope (another dealer is "not found"). */
async function resolveDealer(ctx: AppContext, actor: Actor, ref: string | undefined): Promise<Dealer> {
  if (ref === undefined) {
    const own = scopeDealerId(actor.scope);
    if (own === null)
      throw new ValidationError('querystring.dealer: required, because you belong to no dealer');
    return getDealer(ctx, actor, own);
  }
  if (/^\d+$/.test(ref)) {
    try {
      return await getDealer(ctx, actor, Number(ref));
    } catch (e) {
      if (!(e instanceof NotFoundError)) throw e;
      // Codes may be all digits too: fall through to the lookup by code.
    }
  }
  return getDealerByCode(ctx, actor, ref);
}

/** The CSV bytes and the name to report lines against, from a raw body or multipart field `file`. */
async function readCsv(
  req: FastifyRequest,
  defaultName: string,
): Promise<{ bytes: Buffer; fileName: string }> {
  if (req.isMultipart()) {
    for await (const part of req.parts()) {
      if (part.type === 'file' && part.fieldname === 'file') {
        return { bytes: await part.toBuffer(), fileName: part.filename || defaultName };
      }
      if (part.type === 'file') await part.toBuffer(); // drain other files so the stream moves on
    }
    throw new ValidationError('body.file: a multipart upload must carry the CSV in the field "file"');
  }
  if (!Buffer.isBuffer(req.body) || req.body.length === 0) {
    throw new ValidationError(
      `body: send the CSV as the request body (Content-Type ${RAW_TYPES.join(', ')}) or as multipart field "file"`,
    );
  }
  return { bytes: req.body, fileName: defaultName };
}

function withText(issues: ImportIssue[]) {
  return issues.map((i) => ({ ...i, text: formatIssue(i) }));
}

function present(r: ImportResult) {
  return { ...r, errors: withText(r.errors), warnings: withText(r.warnings) };
}

type Importer = typeof importManagersCsv;
type Exporter = typeof exportManagersCsv;

const KINDS: { kind: 'managers' | 'online'; importer: Importer; exporter: Exporter }[] = [
  { kind: 'managers', importer: importManagersCsv, exporter: exportManagersCsv },
  { kind: 'online', importer: importOnlineCsv, exporter: exportOnlineCsv },
];

export const csvRoutes: FastifyPluginAsyncZod<RouteOptions> = async (app, { runtime: { ctx, config } }) => {
  // Here bodies are CSV files, raw or multipart, never JSON; these parsers live in this plugin only.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    RAW_TYPES,
    { parseAs: 'buffer', bodyLimit: config.maxImportBytes },
    (_req, body, done) => done(null, body),
  );
  await app.register(multipart, {
    limits: { fileSize: config.maxImportBytes, files: 1, fields: 10, parts: 12 },
  });

  for (const { kind, importer, exporter } of KINDS) {
    const fileName = `${kind}.csv`;
    app.post(
      `/import/${kind}`,
      {
        bodyLimit: config.maxImportBytes,
        schema: {
          tags,
          summary: `Import ${fileName}: validate every line, then write all of it or nothing`,
          description:
            `Send the file as the raw body (Content-Type text/csv, text/plain or application/octet-stream) ` +
            `or as multipart/form-data field "file". 200 with the result when the file is valid; ` +
            `422 with the same result, listing the errors, when it is not (then nothing was written).`,
          consumes: [...RAW_TYPES, 'multipart/form-data'],
          querystring: z.object({
            dealer: DealerRef,
            unit: z
              .string()
              .trim()
              .min(1)
              .max(500)
              .optional()
              .describe('unit for new clients and managers: id or name path such as "Branch 1/Dept"'),
            dryRun: QueryBool.describe('validate and list the changes without writing them'),
            prune: QueryBool.describe(`remove objects that ${fileName} no longer lists`),
          }),
          response: { 200: ImportResultOut, 422: ImportResultOut, ...writeErrors, 413: ErrorBody },
        },
      },
      async (req, reply) => {
        const actor = actorOf(req);
        const dealer = await resolveDealer(ctx, actor, req.query.dealer);
        const unitId = req.query.unit
          ? (await resolveUnitRef(ctx, actor, dealer.id, req.query.unit)).id
          : undefined;
        const csv = await readCsv(req, fileName);
        const result = await importer(ctx, actor, csv.bytes, {
          dealerId: dealer.id,
          unitId,
          fileName: csv.fileName,
          dryRun: req.query.dryRun,
          prune: req.query.prune,
        });
        return reply.code(result.errors.length ? 422 : 200).send(present(result));
      },
    );

    app.get(
      `/export/${kind}`,
      {
        schema: {
          tags,
          summary: `Export ${fileName} in the format the import reads`,
          description: 'Passwords are left empty unless withSecrets is set (operator and dealer-admin only).',
          produces: ['text/csv'],
          querystring: z.object({
            dealer: DealerRef,
            withSecrets: QueryBool.describe('include online-access passwords'),
          }),
          response: { 200: z.string().describe(`the ${fileName} text`), ...writeErrors },
        },
      },
      async (req, reply) => {
        const actor = actorOf(req);
        const dealer = await resolveDealer(ctx, actor, req.query.dealer);
        if (req.query.withSecrets) requireDealerAdmin(actor);
        const text = await exporter(ctx, actor, { dealerId: dealer.id, withSecrets: req.query.withSecrets });
        if (req.query.withSecrets)
          req.log.info({ dealer: dealer.code, kind, by: actor.login }, 'export with secrets');
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="${kind}-${dealer.code}.csv"`)
          .header('cache-control', 'no-store')
          .send(text);
      },
    );
  }
};
