/**
 * «Данные для пролонгации», «Биллинг Онлайн. Данные для пролонгации» and the ЛПР report (issue 8, part 3).
 * Scoped like every dashboard: the caller's clients, narrowed by the variables; the report of a client
 * outside the scope is 404. Shapes: src/renewal/contract.ts; docs/renewal.md.
 */
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { RenewalOnlineOut, RenewalOut, RenewalQuery, ReportQuery } from '../../renewal/contract.js';
import { renderReportHtml } from '../../renewal/html.js';
import { moscowYear } from '../../renewal/months.js';
import { renewalReport } from '../../renewal/report-data.js';
import { renewalDashboard, renewalOnlineDashboard } from '../../renewal/tables.js';
import { renderReportXlsx } from '../../renewal/xlsx.js';
import { actorOf } from '../auth.js';
import { authErrors, ErrorBody, IdParams } from '../schemas.js';
import type { RouteOptions } from './common.js';

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** A file name safe in a Content-Disposition header: the ASCII fallback and the UTF-8 form. */
function disposition(base: string, ext: string): string {
  const ascii = base.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^_+|_+$/g, '') || 'report';
  const utf8 = encodeURIComponent(`${base}.${ext}`).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${ascii}.${ext}"; filename*=UTF-8''${utf8}`;
}

export const renewalRoutes: FastifyPluginAsyncZod<RouteOptions> = async (app, { runtime: { ctx } }) => {
  app.get(
    '/dashboards/renewal',
    {
      schema: {
        tags: ['dashboards'],
        summary:
          'Данные для пролонгации: per client and calendar year, the installations’ documents, saves, prints, refused logons and activity per month with the change against the month before',
        querystring: RenewalQuery,
        response: { 200: RenewalOut, 400: ErrorBody, ...authErrors },
      },
    },
    async (req) => renewalDashboard(ctx, actorOf(req), req.query, ctx.clock.now()),
  );

  app.get(
    '/dashboards/renewal-online',
    {
      schema: {
        tags: ['dashboards'],
        summary:
          'Биллинг Онлайн. Данные для пролонгации: per client, online access and calendar year, the month’s last remainder of each limit, the units used and their change',
        querystring: RenewalQuery,
        response: { 200: RenewalOnlineOut, 400: ErrorBody, ...authErrors },
      },
    },
    async (req) => renewalOnlineDashboard(ctx, actorOf(req), req.query, ctx.clock.now()),
  );

  app.get(
    '/clients/:id/renewal-report.xlsx',
    {
      schema: {
        tags: ['clients'],
        summary: 'The ЛПР report of a client and year as an XLSX workbook',
        produces: [XLSX_TYPE],
        params: IdParams,
        querystring: ReportQuery,
        response: { 200: z.any().describe('the XLSX file'), 400: ErrorBody, ...authErrors },
      },
    },
    async (req, reply) => {
      const now = ctx.clock.now();
      const year = req.query.year ?? moscowYear(now);
      const report = await renewalReport(ctx, actorOf(req), req.params.id, year, now);
      const file = await renderReportXlsx(report);
      return reply
        .type(XLSX_TYPE)
        .header('content-disposition', disposition(`renewal-${report.client}-${year}`, 'xlsx'))
        .header('cache-control', 'no-store')
        .send(file);
    },
  );

  app.get(
    '/clients/:id/renewal-report.html',
    {
      schema: {
        tags: ['clients'],
        summary: 'The ЛПР report of a client and year as a self-contained, print-ready HTML page',
        produces: ['text/html'],
        params: IdParams,
        querystring: ReportQuery,
        response: { 200: z.string().describe('the HTML page'), 400: ErrorBody, ...authErrors },
      },
    },
    async (req, reply) => {
      const now = ctx.clock.now();
      const year = req.query.year ?? moscowYear(now);
      const report = await renewalReport(ctx, actorOf(req), req.params.id, year, now);
      return (
        reply
          .type('text/html; charset=utf-8')
          .header('cache-control', 'no-store')
          // Nothing on the page needs a script or another origin.
          .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:")
          .header('x-content-type-options', 'nosniff')
          .send(renderReportHtml(report))
      );
    },
  );
};
