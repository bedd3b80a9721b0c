import type { Command } from 'commander';
import { createManager, listManagers } from '../../tenancy/managers.js';
import { listUnits } from '../../tenancy/units.js';
import { collect, dealerByCode, unitByRef, unitNamePaths, type CliContext } from '../context.js';
import { table } from '../io.js';

export function registerManager(program: Command, cli: CliContext): void {
  const manager = program.command('manager').description('managers (people alerts are routed to): add, list');

  manager
    .command('add')
    .description('register a manager (the name used in the managers.csv and online.csv files)')
    .requiredOption('--dealer <code>', 'dealer code')
    .requiredOption('--name <name>', 'full name as written in the CSV files, e.g. "Иванов Иван"')
    .option('--email <address>', 'e-mail for alerts (repeat for several)', collect, [])
    .option('--unit <unit>', 'org unit: id or name path')
    .option('--telegram <chat>', 'Telegram chat id (numeric) or @channel')
    .action(
      async (opts: {
        dealer: string;
        name: string;
        email: string[];
        unit?: string;
        telegram?: string;
        json?: boolean;
      }) => {
        const out = cli.output(opts);
        const actor = cli.actor();
        const m = await cli.withRuntime(async (rt) => {
          const d = await dealerByCode(rt, actor, opts.dealer);
          const unit = opts.unit === undefined ? null : await unitByRef(rt, actor, d, opts.unit);
          return createManager(rt.ctx, actor, {
            dealerId: d.id,
            unitId: unit?.id ?? null,
            name: opts.name,
            emails: opts.email,
            telegramChatId: opts.telegram ?? null,
          });
        });
        out.data(m);
        out.line(`created manager "${m.name}", id ${m.id}`);
      },
    );

  manager
    .command('list')
    .description("list a dealer's managers")
    .requiredOption('--dealer <code>', 'dealer code')
    .action(async (opts: { dealer: string; json?: boolean }) => {
      const out = cli.output(opts);
      const actor = cli.actor();
      const { managers, units } = await cli.withRuntime(async (rt) => {
        const d = await dealerByCode(rt, actor, opts.dealer);
        return {
          managers: await listManagers(rt.ctx, actor, d.id),
          units: unitNamePaths(await listUnits(rt.ctx, actor, d.id)),
        };
      });
      out.data(
        managers.map((m) => ({ ...m, unit: m.unitId === null ? null : (units.get(m.unitId) ?? null) })),
      );
      if (managers.length === 0) return out.line(`dealer ${opts.dealer} has no managers`);
      const rows = managers.map((m) => [
        String(m.id),
        m.name,
        m.emails.join(' ') || '-',
        m.unitId === null ? '-' : (units.get(m.unitId) ?? String(m.unitId)),
        m.telegramChatId ?? '-',
      ]);
      for (const l of table(['ID', 'NAME', 'E-MAILS', 'UNIT', 'TELEGRAM'], rows)) out.line(l);
    });
}
