import type { Command } from 'commander';
import { createDealer, listDealers } from '../../tenancy/dealers.js';
import { type CliContext } from '../context.js';
import { isoTime, table } from '../io.js';

export function registerDealer(program: Command, cli: CliContext): void {
  const dealer = program.command('dealer').description('dealers (tenants): add, list');

  dealer
    .command('add')
    .description('create a dealer and its first upload token (the token is shown only once)')
    .requiredOption('--code <code>', 'dealer code used by the agents, e.g. rogaikopita599')
    .requiredOption('--name <name>', 'display name')
    .action(async (opts: { code: string; name: string; json?: boolean }) => {
      const out = cli.output(opts);
      const { dealer: d, uploadToken } = await cli.withRuntime((rt) =>
        createDealer(rt.ctx, cli.actor(), { code: opts.code, name: opts.name }),
      );
      out.data({ dealer: d, uploadToken });
      out.line(`created dealer ${d.code} (${d.name}), id ${d.id}`);
      out.line(`upload token: ${uploadToken}`);
      out.line('Store the token now: it is not shown again (`smart token add` issues another one).');
    });

  dealer
    .command('list')
    .description('list dealers')
    .action(async (opts: { json?: boolean }) => {
      const out = cli.output(opts);
      const dealers = await cli.withRuntime((rt) => listDealers(rt.ctx, cli.actor()));
      out.data(dealers);
      if (dealers.length === 0)
        return out.line('no dealers yet: add one with `smart dealer add --code C --name N`');
      for (const l of table(
        ['ID', 'CODE', 'NAME', 'CREATED'],
        dealers.map((d) => [String(d.id), d.code, d.name, isoTime(d.createdAt)]),
      ))
        out.line(l);
    });
}
