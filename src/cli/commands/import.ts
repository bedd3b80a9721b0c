import fs from 'node:fs/promises';
import { Argument, type Command } from 'commander';
import { importManagersCsv, importOnlineCsv } from '../../inventory/csv/import.js';
import { formatIssue, type ImportIssue, type ImportResult } from '../../inventory/csv/types.js';
import { dealerByCode, unitByRef, type CliContext } from '../context.js';
import { CliError } from '../errors.js';
import type { Output } from '../io.js';

interface ImportCliOptions {
  dealer: string;
  unit?: string;
  dryRun?: boolean;
  prune?: boolean;
  json?: boolean;
}

/** Reads at most maxBytes; a bigger file is refused before it is read. */
export async function readLimited(file: string, maxBytes: number): Promise<Buffer> {
  let size: number;
  try {
    const st = await fs.stat(file);
    if (!st.isFile()) throw new CliError(`${file}: not a regular file`);
    size = st.size;
  } catch (e) {
    if (e instanceof CliError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliError(code === 'ENOENT' ? `${file}: no such file` : `${file}: ${(e as Error).message}`);
  }
  if (size > maxBytes) {
    throw new CliError(
      `${file} is ${size} bytes, more than the import limit of ${maxBytes} bytes (SMART_MAX_IMPORT_BYTES)`,
    );
  }
  return fs.readFile(file);
}

function describeChange(c: ImportResult['changes'][number]): string {
  const head = `${c.action} ${c.entity.replace('_', ' ')} ${c.key}`;
  return c.fields?.length ? `${head}: ${c.fields.join('; ')}` : head;
}

const byPlace = (a: ImportIssue, b: ImportIssue) => a.line - b.line || (a.column ?? 0) - (b.column ?? 0);

/** Issues on stderr, in file order; changes and counts on stdout. */
export function printImportResult(out: Output, r: ImportResult): void {
  for (const w of [...r.warnings].sort(byPlace)) out.note(`warning: ${formatIssue(w)}`);
  for (const e of [...r.errors].sort(byPlace)) out.note(`error: ${formatIssue(e)}`);
  if (r.errors.length > 0) {
    out.note(`${r.errors.length} error${r.errors.length > 1 ? 's' : ''} in ${r.file}: nothing imported`);
    return;
  }
  for (const c of r.changes) out.line(describeChange(c));
  const n = r.counts;
  const verb = r.dryRun ? 'would create' : 'created';
  out.line(
    `${r.file}: ${verb} ${n.create}, ${r.dryRun ? 'update' : 'updated'} ${n.update}, ` +
      `${r.dryRun ? 'remove' : 'removed'} ${n.remove}, unchanged ${n.unchanged}`,
  );
  if (r.dryRun) out.line('dry run: nothing written');
}

export function registerImport(program: Command, cli: CliContext): void {
  program
    .command('import')
    .description('import a managers.csv (both blocks) or an online.csv; all or nothing')
    .addArgument(new Argument('<kind>', 'which file format').choices(['managers', 'online']))
    .argument('<file>', 'the CSV file (UTF-8 or CP1251)')
    .requiredOption('--dealer <code>', 'dealer code')
    .option('--unit <unit>', 'org unit (id or name path) that new clients and managers are placed in')
    .option('--dry-run', 'check the file and list what would change, without writing')
    .option('--prune', 'remove objects of this kind that the file no longer lists')
    .action(async (kind: 'managers' | 'online', file: string, opts: ImportCliOptions) => {
      const out = cli.output(opts);
      const actor = cli.actor();
      const config = cli.config();
      const bytes = await readLimited(file, config.maxImportBytes);
      const result = await cli.withRuntime(async (rt) => {
        const d = await dealerByCode(rt, actor, opts.dealer);
        const unit = opts.unit === undefined ? null : await unitByRef(rt, actor, d, opts.unit);
        const run = kind === 'managers' ? importManagersCsv : importOnlineCsv;
        return run(rt.ctx, actor, bytes, {
          dealerId: d.id,
          unitId: unit?.id ?? null,
          fileName: file,
          dryRun: opts.dryRun === true,
          prune: opts.prune === true,
        });
      }, config);
      out.data(result);
      printImportResult(out, result);
      if (result.errors.length > 0) cli.exitCode = 2;
    });
}
