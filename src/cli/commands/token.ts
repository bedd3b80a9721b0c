import type { Command } from 'commander';
import { createUploadToken, listUploadTokens, revokeUploadToken } from '../../tenancy/dealers.js';
import { dealerByCode, parseId, type CliContext } from '../context.js';
import { isoTime, table } from '../io.js';

export function registerToken(program: Command, cli: CliContext): void {
  const token = program.command('token').description("dealers' upload tokens: add, list, revoke");

  token
    .command('add')
    .description('issue another upload token for a dealer (shown only once)')
    .requiredOption('--dealer <code>', 'dealer code')
    .option('--label <label>', 'what the token is for, e.g. "branch north agents"', 'token')
    .action(async (opts: { dealer: string; label: string; json?: boolean }) => {
      const out = cli.output(opts);
      const actor = cli.actor();
      const { info, token: plain } = await cli.withRuntime(async (rt) => {
        const d = await dealerByCode(rt, actor, opts.dealer);
        return createUploadToken(rt.ctx, actor, d.id, opts.label);
      });
      out.data({ token: plain, info });
      out.line(`upload token ${info.id} (${info.label}) for dealer ${opts.dealer}: ${plain}`);
      out.line('Store the token now: it is not shown again.');
    });

  token
    .command('list')
    .description("list a dealer's upload tokens (only their first characters are known)")
    .requiredOption('--dealer <code>', 'dealer code')
    .action(async (opts: { dealer: string; json?: boolean }) => {
      const out = cli.output(opts);
      const actor = cli.actor();
      const tokens = await cli.withRuntime(async (rt) => {
        const d = await dealerByCode(rt, actor, opts.dealer);
        return listUploadTokens(rt.ctx, actor, d.id);
      });
      out.data(tokens);
      const rows = tokens.map((t) => [
        String(t.id),
        t.label,
        `${t.prefix}…`,
        isoTime(t.createdAt),
        isoTime(t.lastUsedAt),
        t.revokedAt === null ? 'active' : `revoked ${isoTime(t.revokedAt)}`,
      ]);
      for (const l of table(['ID', 'LABEL', 'PREFIX', 'CREATED', 'LAST USED', 'STATE'], rows)) out.line(l);
    });

  token
    .command('revoke')
    .description('revoke an upload token by id (agents using it are refused from now on)')
    .argument('<id>', 'token id, from `smart token list`', parseId)
    .action(async (id: number, opts: { json?: boolean }) => {
      const out = cli.output(opts);
      await cli.withRuntime((rt) => revokeUploadToken(rt.ctx, cli.actor(), id));
      out.data({ revoked: id });
      out.line(`revoked upload token ${id}`);
    });
}
