import type { Command } from 'commander';
import { migrate, openDatabase } from '../../db/database.js';
import { type CliContext } from '../context.js';

/** The database URL without a password, for messages. */
export function safeDatabaseUrl(url: string): string {
  return url.replace(/^(postgres(?:ql)?:\/\/[^:/@]*):[^@]*@/, '$1:***@');
}

export function registerMigrate(program: Command, cli: CliContext): void {
  program
    .command('migrate')
    .description('bring the database schema to the latest version (serve does this on start too)')
    .action(async (opts: { json?: boolean }) => {
      const out = cli.output(opts);
      const config = cli.config();
      const handle = openDatabase(config.databaseUrl);
      try {
        const results = await migrate(handle);
        const applied = results.filter((r) => r.status === 'Success').map((r) => r.migrationName);
        out.data({ database: safeDatabaseUrl(config.databaseUrl), kind: handle.kind, applied });
        out.line(`database: ${safeDatabaseUrl(config.databaseUrl)}`);
        if (applied.length === 0) out.line('the schema is up to date; nothing to apply');
        for (const name of applied) out.line(`applied ${name}`);
      } finally {
        await handle.close();
      }
    });
}
