import fs from 'node:fs/promises';
import { Argument, type Command } from 'commander';
import { exportManagersCsv, exportOnlineCsv } from '../../inventory/csv/export.js';
import { dealerByCode, type CliContext } from '../context.js';

interface ExportCliOptions {
  dealer: string;
  withSecrets?: boolean;
  out?: string;
  json?: boolean;
}

export function registerExport(program: Command, cli: CliContext): void {
  program
    .command('export')
    .description("export a dealer's managers.csv or online.csv, in the format the import reads")
    .addArgument(new Argument('<kind>', 'which file format').choices(['managers', 'online']))
    .requiredOption('--dealer <code>', 'dealer code')
    .option('--with-secrets', 'include online-access passwords (otherwise that column is empty)')
    .option('--out <file>', 'write to this file instead of stdout')
    .action(async (kind: 'managers' | 'online', opts: ExportCliOptions) => {
      const out = cli.output(opts);
      const actor = cli.actor();
      const csv = await cli.withRuntime(async (rt) => {
        const d = await dealerByCode(rt, actor, opts.dealer);
        const run = kind === 'managers' ? exportManagersCsv : exportOnlineCsv;
        return run(rt.ctx, actor, { dealerId: d.id, withSecrets: opts.withSecrets === true });
      });
      if (opts.out !== undefined) {
        // A file with passwords is readable by its owner only.
        await fs.writeFile(opts.out, csv, { mode: opts.withSecrets ? 0o600 : 0o644 });
        if (opts.withSecrets) await fs.chmod(opts.out, 0o600); // the mode above applies to new files only
        out.data({ kind, dealer: opts.dealer, file: opts.out, bytes: Buffer.byteLength(csv) });
        out.line(`wrote ${opts.out} (${Buffer.byteLength(csv)} bytes)`);
        return;
      }
      if (out.json) out.data({ kind, dealer: opts.dealer, csv });
      else out.raw(csv);
    });
}
