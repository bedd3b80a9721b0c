import { Option, type Command } from 'commander';
import type { Runtime } from '../../runtime.js';
import { listDealers, type Dealer } from '../../tenancy/dealers.js';
import { listManagers, type Manager } from '../../tenancy/managers.js';
import { ROLES, type Actor, type Role } from '../../tenancy/scope.js';
import { listUnits } from '../../tenancy/units.js';
import { createUser, listUsers, updateUser } from '../../tenancy/users.js';
import { NotFoundError } from '../../lib/errors.js';
import { dealerByCode, unitByRef, unitNamePaths, type CliContext } from '../context.js';
import { CliError } from '../errors.js';
import { table } from '../io.js';
import { obtainPassword } from '../prompt.js';

interface AddOptions {
  dealer?: string;
  login: string;
  role: Role;
  unit?: string;
  manager?: string;
  displayName?: string;
  passwordStdin?: boolean;
  json?: boolean;
}

/** A manager record by id or by the exact name used in the CSV files. */
async function managerByRef(rt: Runtime, actor: Actor, dealer: Dealer, ref: string): Promise<Manager> {
  const all = await listManagers(rt.ctx, actor, dealer.id);
  const found = /^\d+$/.test(ref)
    ? all.find((m) => m.id === Number(ref))
    : all.find((m) => m.name === ref.trim());
  if (!found) throw new NotFoundError(`manager "${ref}" of dealer ${dealer.code}`);
  return found;
}

export function registerUser(program: Command, cli: CliContext): void {
  const user = program
    .command('user')
    .description('users who log in to the web UI and API: add, list, passwd');

  user
    .command('add')
    .description('create a user; the password is prompted (no echo) or read from stdin with --password-stdin')
    .option('--dealer <code>', 'dealer code (every role except operator)')
    .requiredOption('--login <login>', 'login name')
    .addOption(
      new Option('--role <role>', 'what the user may see and do').choices(ROLES).makeOptionMandatory(),
    )
    .option('--unit <unit>', 'org unit (id or name path): a head or viewer sees this subtree')
    .option('--manager <name>', 'manager record (name or id) a user with role manager acts as')
    .option('--display-name <name>', 'name shown in the UI')
    .option('--password-stdin', 'read the password from stdin instead of prompting')
    .action(async (opts: AddOptions) => {
      const out = cli.output(opts);
      if (opts.role === 'operator') {
        const extra = (['dealer', 'unit', 'manager'] as const).find((k) => opts[k] !== undefined);
        if (extra) throw new CliError(`an operator belongs to no dealer: omit --${extra}`);
      }
      if (opts.role !== 'operator' && opts.dealer === undefined) {
        throw new CliError(`--dealer is required for role ${opts.role}`);
      }
      if (opts.role === 'manager' && opts.manager === undefined) {
        throw new CliError('--manager is required for role manager (the manager record the user acts as)');
      }
      const password = await obtainPassword(cli.io, opts.passwordStdin === true);
      const actor = cli.actor();
      const created = await cli.withRuntime(async (rt) => {
        const d = opts.dealer === undefined ? null : await dealerByCode(rt, actor, opts.dealer);
        const manager =
          d && opts.manager !== undefined ? await managerByRef(rt, actor, d, opts.manager) : null;
        // A manager user sits in their manager record's unit unless told otherwise.
        const unitId =
          d && opts.unit !== undefined
            ? (await unitByRef(rt, actor, d, opts.unit)).id
            : (manager?.unitId ?? null);
        return createUser(rt.ctx, actor, {
          dealerId: d?.id ?? null,
          unitId,
          managerId: manager?.id ?? null,
          login: opts.login,
          displayName: opts.displayName ?? manager?.name ?? '',
          password,
          role: opts.role,
        });
      });
      out.data(created);
      out.line(`created user ${created.login} (${created.role}), id ${created.id}`);
    });

  user
    .command('list')
    .description('list users, of one dealer or of all')
    .option('--dealer <code>', 'only this dealer')
    .action(async (opts: { dealer?: string; json?: boolean }) => {
      const out = cli.output(opts);
      const actor = cli.actor();
      const { users, dealers, units, managers } = await cli.withRuntime(async (rt) => {
        const d = opts.dealer === undefined ? undefined : await dealerByCode(rt, actor, opts.dealer);
        return {
          users: await listUsers(rt.ctx, actor, d?.id),
          dealers: new Map((await listDealers(rt.ctx, actor)).map((x) => [x.id, x.code])),
          units: unitNamePaths(await listUnits(rt.ctx, actor, d?.id)),
          managers: new Map((await listManagers(rt.ctx, actor, d?.id)).map((m) => [m.id, m.name])),
        };
      });
      out.data(
        users.map((u) => ({
          ...u,
          dealer: u.dealerId === null ? null : (dealers.get(u.dealerId) ?? null),
          unit: u.unitId === null ? null : (units.get(u.unitId) ?? null),
          manager: u.managerId === null ? null : (managers.get(u.managerId) ?? null),
        })),
      );
      if (users.length === 0) return out.line('no users');
      const rows = users.map((u) => [
        String(u.id),
        u.login,
        u.role,
        u.dealerId === null ? '-' : (dealers.get(u.dealerId) ?? String(u.dealerId)),
        u.unitId === null ? '-' : (units.get(u.unitId) ?? String(u.unitId)),
        u.managerId === null ? '-' : (managers.get(u.managerId) ?? String(u.managerId)),
        u.disabled ? 'disabled' : 'active',
      ]);
      for (const l of table(['ID', 'LOGIN', 'ROLE', 'DEALER', 'UNIT', 'MANAGER', 'STATE'], rows)) out.line(l);
    });

  user
    .command('passwd')
    .description("set a user's password (their sessions are ended)")
    .requiredOption('--login <login>', 'login name')
    .option('--password-stdin', 'read the password from stdin instead of prompting')
    .action(async (opts: { login: string; passwordStdin?: boolean; json?: boolean }) => {
      const out = cli.output(opts);
      const password = await obtainPassword(cli.io, opts.passwordStdin === true);
      const actor = cli.actor();
      const login = opts.login.trim().toLowerCase();
      const updated = await cli.withRuntime(async (rt) => {
        const found = (await listUsers(rt.ctx, actor)).find((u) => u.login === login);
        if (!found) throw new NotFoundError(`user ${login}`);
        return updateUser(rt.ctx, actor, found.id, { password });
      });
      out.data({ login: updated.login, passwordChanged: true });
      out.line(`password of ${updated.login} changed`);
    });
}
