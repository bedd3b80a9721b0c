import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { acceptReport, parseUploadFileName } from '../../ingest/accept.js';
import { agentNameProblem } from '../../inventory/names.js';
import { precheckReport } from '../../ingest/precheck.js';
import { Spool } from '../../ingest/spool.js';
import type { Runtime } from '../../runtime.js';
import { dealerByCode, type CliContext } from '../context.js';
import { CliError } from '../errors.js';

const REPORT_EXT = /\.(zip|xml|status)$/i;

/** The report files under the given paths; a folder (the agent's closed-contour output) is walked in name order. */
async function reportFiles(paths: string[]): Promise<string[]> {
  const out: string[] = [];
  const walk = async (p: string, top: boolean): Promise<void> => {
    let st;
    try {
      st = await fs.stat(p);
    } catch {
      throw new CliError(`${p}: no such file or folder`);
    }
    if (st.isDirectory()) {
      for (const name of (await fs.readdir(p)).sort()) await walk(path.join(p, name), false);
    } else if (REPORT_EXT.test(p)) {
      out.push(p);
    } else if (top) {
      throw new CliError(
        `${p}: not a report file; expected a .zip, .xml or .status file or a folder of them`,
      );
    }
  };
  for (const p of paths) await walk(p, true);
  return out;
}

/** Without --dealer the client name must identify one installation (not a polled one) across dealers. */
async function resolveDealer(rt: Runtime, cli: CliContext, client: string, dealer?: string): Promise<number> {
  if (dealer !== undefined) return (await dealerByCode(rt, cli.actor(), dealer)).id;
  const rows = await rt.ctx.db
    .selectFrom('installations')
    .select('dealer_id')
    .where('source_key', '=', client)
    .where('kind', '!=', 'polled')
    .execute();
  const dealers = [...new Set(rows.map((r) => r.dealer_id))];
  if (dealers.length === 1) return dealers[0] as number;
  if (dealers.length === 0) {
    throw new CliError(
      `no installation is named "${client}"; check --client, or give --dealer to keep the files as an unregistered source`,
    );
  }
  throw new CliError(`several dealers have an installation named "${client}"; say which with --dealer`);
}

interface Stored {
  file: string;
  storedAs: string;
  reportId: number;
  installationId: number | null;
  duplicate: boolean;
}

/**
 * `smart upload FILE... --client NAME`: reports carried in by hand from a closed contour go through the
 * same acceptance as agent uploads (checks, spool, ledger, dedup by content), marked as manual.
 */
export function registerUpload(program: Command, cli: CliContext): void {
  program
    .command('upload')
    .description(
      "store report files carried in from a closed contour (the Node agent's output folder or single .zip/.xml/.status files)",
    )
    .argument('<files...>', 'report files, or folders holding them')
    .requiredOption('--client <name>', "the client name the files belong to (the installation's agent name)")
    .option('--dealer <code>', 'dealer code (needed only when the client name is not unique)')
    .action(async (paths: string[], opts: { client: string; dealer?: string; json?: boolean }) => {
      const out = cli.output(opts);
      const problem = agentNameProblem(opts.client);
      if (problem) throw new CliError(`--client: client name "${opts.client}" ${problem}`);
      const files = await reportFiles(paths);
      if (files.length === 0) throw new CliError(`no .zip, .xml or .status files in ${paths.join(', ')}`);
      const stored = await cli.withRuntime(async (rt) => {
        const dealerId = await resolveDealer(rt, cli, opts.client, opts.dealer);
        const spool = new Spool(rt.config.spoolDir);
        const done: Stored[] = [];
        for (const file of files) {
          const ext = (REPORT_EXT.exec(file)?.[1] as string).toLowerCase();
          // The file's own name may carry a timestamp or a copy suffix: the client comes from --client.
          const name = parseUploadFileName(`${opts.client}.${ext}`);
          const r = await acceptReport(
            rt.ctx,
            { dealerId, installationId: null },
            name,
            createReadStream(file),
            {
              spool,
              nodeId: rt.config.nodeId,
              maxBytes: rt.config.maxUploadBytes,
              via: 'manual',
              precheck: precheckReport,
            },
          );
          done.push({
            file,
            storedAs: name.fileName,
            reportId: r.reportId,
            installationId: r.installationId,
            duplicate: r.duplicate,
          });
        }
        return done;
      });
      out.data(stored);
      for (const s of stored) {
        out.line(
          s.duplicate
            ? `${s.file}: already stored (same content as report ${s.reportId})`
            : `${s.file}: stored as ${s.storedAs}, report ${s.reportId}`,
        );
      }
      if (stored.some((s) => s.installationId === null)) {
        out.note(
          `no installation "${opts.client}" yet: the files wait as an unregistered source until one is attached`,
        );
      }
      out.line(
        `${stored.filter((s) => !s.duplicate).length} new of ${stored.length}; the server processes them in the background`,
      );
    });
}
